// The Go peer of bench/conformance: net/http's FileServer over one directory, as shipped
// (http.ListenAndServe: no timeouts set, directory listings on, index.html served for a
// directory). Standard library only; bench/conformance builds it with `go build` into its temp
// dir (GOCACHE and GOPATH there, GOPROXY=off).
//
//	fileserver ADDR DIR    serve DIR on ADDR (e.g. 127.0.0.1:8080) until killed
//	fileserver --version   print the Go version it was built with
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
	"runtime"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "--version" {
		fmt.Println(runtime.Version())
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: fileserver ADDR DIR | fileserver --version")
		os.Exit(2)
	}
	log.Fatal(http.ListenAndServe(os.Args[1], http.FileServer(http.Dir(os.Args[2]))))
}

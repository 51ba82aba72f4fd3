#!/usr/bin/env python3
"""bench/conformance's renderer: the regress reports of every server, combined into one JSON, a
Markdown scoreboard and an SVG bar chart.

  conformance.py report RAW_DIR OUT.json OUT.md OUT.svg
        RAW_DIR is what bench/conformance leaves: servers.tsv (a row per server: whether it ran,
        its version, why not, its command, regress's exit, seconds, notes), machine.txt (key=value)
        and SERVER.json (regress --report) for every server that ran. Writes the three outputs.
  conformance.py check OUT.json OUT.md OUT.svg SERVER...
        the outputs exist and parse; the JSON has every SERVER (halfway ran; every other one ran
        or says why not); the md has a row per case of halfway's report (for --smoke)

The regress report (halfway-client regress --report) is read in its current schema: per case a
"verdict" (PASS, FAIL or SKIP), a "detail" and a "strict" part (null, or a verdict, why and
detail), and at the top "passed", "failed", "skipped" and "strict": {"passed", "failed"}. The
old client's reports (per case "passed": true/false, no strict part, no skipped) are read too:
verdict PASS where passed is true, else FAIL; their strict columns show "-". Every number shown
comes from the reports; where a report's own totals disagree with its cases, the totals are
shown and the disagreement is noted.

Standard library only.
"""
import csv
import json
import os
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

VERDICTS = ("PASS", "FAIL", "SKIP")


# --- reading -------------------------------------------------------------------------------------

def read_manifest(raw):
    with open(os.path.join(raw, "servers.tsv"), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_machine(raw):
    machine = {}
    try:
        with open(os.path.join(raw, "machine.txt")) as f:
            for line in f:
                k, sep, v = line.rstrip("\n").partition("=")
                if sep:
                    machine[k] = v
    except OSError:
        pass
    return machine


def normalize(report):
    """The report's cases and totals in one shape, whichever client wrote it; plus what is odd."""
    notes = []
    cases = []
    old = False
    for c in report.get("cases") or []:
        verdict = c.get("verdict")
        if verdict is None and isinstance(c.get("passed"), bool):
            verdict = "PASS" if c["passed"] else "FAIL"
            old = True
        verdict = str(verdict).upper() if verdict is not None else "?"
        if verdict not in VERDICTS:
            notes.append(f"case {c.get('name')} has the verdict {verdict!r}")
        strict = c.get("strict")
        if isinstance(strict, dict):
            strict = {"verdict": str(strict.get("verdict")).upper(), "why": strict.get("why"),
                      "detail": strict.get("detail")}
        else:
            strict = None
        cases.append({"name": str(c.get("name")), "what": c.get("what"), "verdict": verdict,
                      "detail": c.get("detail"), "strict": strict})

    counted = {k: sum(1 for c in cases if c["verdict"] == v)
               for k, v in (("passed", "PASS"), ("failed", "FAIL"), ("skipped", "SKIP"))}
    core = {}
    for k in ("passed", "failed", "skipped"):
        v = report.get(k)
        if isinstance(v, int) and not isinstance(v, bool):
            core[k] = v
            if v != counted[k]:
                notes.append(f"the report says {k} {v}, its cases {counted[k]}")
        else:
            core[k] = counted[k]
    core["cases"] = len(cases)

    strict_cases = [c["strict"] for c in cases if c["strict"]]
    s = report.get("strict")
    if isinstance(s, dict):
        strict = {k: s.get(k) if isinstance(s.get(k), int) else None for k in ("passed", "failed")}
        for k, v in (("passed", "PASS"), ("failed", "FAIL")):
            n = sum(1 for x in strict_cases if x["verdict"] == v)
            if strict[k] is None:
                strict[k] = n
            elif strict[k] != n:
                notes.append(f"the report says strict {k} {strict[k]}, its cases {n}")
    elif strict_cases:
        strict = {"passed": sum(1 for x in strict_cases if x["verdict"] == "PASS"),
                  "failed": sum(1 for x in strict_cases if x["verdict"] == "FAIL")}
    else:
        strict = None  # the old client checks no strict part
    resources = [r for r in report.get("resources") or [] if isinstance(r, dict)]
    return {"cases": cases, "core": core, "strict": strict, "resources": resources,
            "schema": "old (passed true/false per case, no strict part)" if old else "verdict", "notes": notes}


def combine(raw):
    machine = read_machine(raw)
    servers = []
    for row in read_manifest(raw):
        name = row["server"]
        entry = {"name": name, "ran": row["ran"] == "1", "version": row["version"] or "-",
                 "reason": row["reason"] or None, "port": int(row["port"]) if row["port"] else None,
                 "command": row["command"] or None,
                 "regressExit": int(row["regress_exit"]) if row["regress_exit"] else None,
                 "seconds": int(row["seconds"]) if row["seconds"] else None,
                 "notes": [n.strip() for n in (row["notes"] or "").split(";") if n.strip()],
                 "score": None, "report": None}
        if entry["ran"]:
            try:
                with open(os.path.join(raw, f"{name}.json")) as f:
                    entry["report"] = json.load(f)
                n = normalize(entry["report"])
                entry["score"] = {"core": n["core"], "strict": n["strict"], "schema": n["schema"]}
                entry["notes"] += n["notes"]
            except (OSError, ValueError, AttributeError, TypeError) as e:
                entry["ran"] = False
                entry["reason"] = f"its report could not be read: {e}"
        if not entry["ran"] and not entry["reason"]:
            entry["reason"] = "not run (no reason recorded)"
        servers.append(entry)
    # the cases in the order they ran, over every server (halfway's first)
    order, what = [], {}
    for s in servers:
        if s["report"]:
            for c in normalize(s["report"])["cases"]:
                if c["name"] not in what:
                    order.append(c["name"])
                    what[c["name"]] = c["what"]
    return {
        "generatedBy": "bench/conformance",
        "mode": machine.get("mode"),
        "date": machine.get("date"),
        "elapsedSeconds": int(machine["elapsed_seconds"]) if machine.get("elapsed_seconds", "").isdigit() else None,
        "machine": {k: machine.get(k) for k in ("nproc", "kernel", "cpu", "java")},
        "commit": machine.get("commit"),
        "client": machine.get("client"),
        "regressCommand": machine.get("regress_cmd"),
        "fixtures": (machine.get("fixtures") or "").split(),
        "cases": [{"name": n, "what": what[n]} for n in order],
        "servers": servers,
    }


# --- Markdown ------------------------------------------------------------------------------------

def cell(text):
    return str(text if text is not None else "").replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def code(text):
    return "`" + str(text).replace("`", "'") + "`"


def render_md(result, svg_name):
    servers = result["servers"]
    ran = [s for s in servers if s["ran"]]
    notrun = [s for s in servers if not s["ran"]]
    norm = {s["name"]: normalize(s["report"]) for s in ran}
    by_case = {s["name"]: {c["name"]: c for c in norm[s["name"]]["cases"]} for s in ran}
    m = result["machine"]
    out = [
        "<!-- Generated by bench/conformance: do not edit by hand; run bench/conformance to regenerate it. -->",
        "",
        "# Half-close conformance: halfway and other static file servers",
        "",
        f"_Generated by `bench/conformance` ({cell(result['mode'])} run) on {cell(result['date'])}, on a machine "
        f"with {cell(m.get('nproc'))} cores, {cell(m.get('kernel'))}; halfway commit {cell(result['commit'])}, "
        f"{cell(result['client'])}. Never edited by hand._",
        "",
        "Every server served the same fixture files "
        f"({', '.join(code(f) for f in result['fixtures'])}) on 127.0.0.1 and was given the half-close "
        f"regression suite, one server at a time: {code(result['regressCommand'])}. **Core** verdicts are what "
        "RFC 1945 and RFC 9112 require of any server; **strict** verdicts are halfway's own choices, checked "
        "only for cases that have a strict part and whose core passed.",
        "",
        f"![core and strict verdicts per server]({svg_name})",
        "",
        "## Scores",
        "",
        "| server | version | core passed | core failed | core skipped | of | strict passed | strict failed | suite time |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in servers:
        if not s["ran"]:
            out.append(f"| {cell(s['name'])} | {cell(s['version'])} | not run | | | | | | |")
            continue
        core, strict = s["score"]["core"], s["score"]["strict"]
        sp = "-" if strict is None else strict["passed"]
        sf = "-" if strict is None else strict["failed"]
        secs = f"{s['seconds']} s" if s["seconds"] is not None else "-"
        out.append(f"| {cell(s['name'])} | {cell(s['version'])} | {core['passed']} | {core['failed']} | "
                   f"{core['skipped']} | {core['cases']} | {sp} | {sf} | {secs} |")
    out.append("")
    if notrun:
        out.append("Not run:")
        out.append("")
        for s in notrun:
            out.append(f"- **{cell(s['name'])}**: {cell(s['reason'])}")
        out.append("")
    if any(s["score"]["strict"] is None for s in ran):
        out.append("`-` in the strict columns: that report has no strict parts (written by a halfway-client "
                   "that checks none).")
        out.append("")

    if ran:
        # every FAIL or SKIP cell gets a note number; the notes follow the table, per server
        # numbered server by server, so that each server's notes below are consecutive
        numbers, notes = {}, {}  # (server, case) -> n; server -> [(n, case, verdict, detail)]
        for s in ran:
            for c in result["cases"]:
                r = by_case[s["name"]].get(c["name"])
                if r is not None and r["verdict"] != "PASS":
                    numbers[s["name"], c["name"]] = len(numbers) + 1
                    notes.setdefault(s["name"], []).append((len(numbers), c["name"], r["verdict"], r["detail"]))
        head = "| case | " + " | ".join(cell(s["name"]) for s in ran) + " |"
        out += ["## Case by case (core)", "",
                "PASS, FAIL or SKIP per case and server; the number in brackets is the note below that says why.",
                "", head, "| --- |" + " :---: |" * len(ran)]
        for c in result["cases"]:
            row = [code(c["name"])]
            for s in ran:
                r = by_case[s["name"]].get(c["name"])
                if r is None:
                    row.append("-")
                elif r["verdict"] == "PASS":
                    row.append("PASS")
                else:
                    n = numbers[s["name"], c["name"]]
                    row.append(f"{'**FAIL**' if r['verdict'] == 'FAIL' else cell(r['verdict'])} [{n}]")
            out.append("| " + " | ".join(row) + " |")
        out.append("")
        if any(c["name"] not in by_case[s["name"]] for c in result["cases"] for s in ran):
            out += ["`-`: that server's report has no such case.", ""]
        if notes:
            out += ["### Why", ""]
            for s in ran:
                if s["name"] not in notes:
                    continue
                out += [f"**{cell(s['name'])}**", ""]
                for n, case, verdict, detail in notes[s["name"]]:
                    out.append(f"- [{n}] {code(case)} {verdict}: {cell(detail) or '(no detail)'}")
                out.append("")

        strict_cases = [c for c in result["cases"]
                        if any((by_case[s["name"]].get(c["name"]) or {}).get("strict") for s in ran)]
        if strict_cases:
            snumbers, snotes = {}, {}  # numbered server by server, as above
            for s in ran:
                for c in strict_cases:
                    st = (by_case[s["name"]].get(c["name"]) or {}).get("strict")
                    if st and st["verdict"] != "PASS":
                        snumbers[s["name"], c["name"]] = len(snumbers) + 1
                        snotes.setdefault(s["name"], []).append((len(snumbers), c["name"], st))
            out += ["## Strict (halfway's own choices)", "",
                    "Only the cases that have a strict part; `-` where it was not checked (the core verdict did not "
                    "pass, or the report has no strict part). A failed strict check is no fault under the RFCs: it "
                    "marks where a server chose otherwise than halfway. The number in brackets is the note below.", "",
                    head, "| --- |" + " :---: |" * len(ran)]
            why = {}
            for c in strict_cases:
                row = [code(c["name"])]
                for s in ran:
                    st = (by_case[s["name"]].get(c["name"]) or {}).get("strict")
                    if not st:
                        row.append("-")
                        continue
                    why.setdefault(c["name"], st.get("why"))
                    if st["verdict"] == "PASS":
                        row.append("PASS")
                        continue
                    row.append(f"**{cell(st['verdict'])}** [s{snumbers[s['name'], c['name']]}]")
                out.append("| " + " | ".join(row) + " |")
            out += ["", "What each strict part checks:", ""]
            for c in strict_cases:
                out.append(f"- {code(c['name'])}: {cell(why.get(c['name'])) or '(no reason given)'}")
            out.append("")
            if snotes:
                out += ["### Why (strict)", ""]
                for s in ran:
                    if s["name"] not in snotes:
                        continue
                    out += [f"**{cell(s['name'])}**", ""]
                    for n, case, st in snotes[s["name"]]:
                        out.append(f"- [s{n}] {code(case)} {cell(st['verdict'])}: {cell(st.get('detail')) or '(no detail)'}")
                    out.append("")

        unusable = [(s, r) for s in ran for r in norm[s["name"]]["resources"] if r.get("usable") is False]
        if unusable:
            out += ["## Resources a server could not serve", "",
                    "The suite first asks each server for the resources its cases name; cases that need an "
                    "unusable one are skipped.", ""]
            for s, r in unusable:
                out.append(f"- **{cell(s['name'])}**: {cell(r.get('name'))} ({code(r.get('path'))}): status "
                           f"{cell(r.get('status'))}, {cell(r.get('bodyBytes'))} body bytes; {cell(r.get('reason'))}")
            out.append("")

        out += ["## The cases", "", "| case | what it does |", "| --- | --- |"]
        for c in result["cases"]:
            out.append(f"| {code(c['name'])} | {cell(c['what'])} |")
        out.append("")

    out += ["## How each server ran", "", "| server | command | regress exit | notes |", "| --- | --- | ---: | --- |"]
    for s in servers:
        notes = "; ".join(s["notes"])
        if not s["ran"]:
            notes = "not run: " + (s["reason"] or "") + ("; " + notes if notes else "")
        out.append(f"| {cell(s['name'])} | {code(s['command']) if s['command'] else '-'} | "
                   f"{s['regressExit'] if s['regressExit'] is not None else '-'} | {cell(notes)} |")
    out += ["", "TMP is the run's temp dir, PORT a free port picked for each server. The raw reports are in "
            "`bench/results/` (not committed)."]
    return "\n".join(out) + "\n"


# --- SVG -----------------------------------------------------------------------------------------

COLOURS = {"passed": "#2e9e44", "failed": "#d0413a", "skipped": "#a8a8a8",
           "strict-passed": "#3b6fc4", "strict-failed": "#e08a1e"}


def render_svg(result):
    """Per server a stacked horizontal bar of its core verdicts (passed, failed, skipped) and, thinner
    below it, its strict ones (passed, failed); a server not run gets its reason instead."""
    servers = result["servers"]
    def short(version):
        return version if len(version) <= 50 else version[:49] + "…"

    label_w = 24 + int(max([len(s["name"]) * 8.5 for s in servers] + [len(short(s["version"])) * 6.6 for s in servers]
                           + [80]))
    plot_w, right, top, row = 560, 240, 136, 52
    width = label_w + plot_w + right
    height = top + row * len(servers) + 50
    totals = [s["score"]["core"]["cases"] for s in servers if s["ran"]]
    totals += [sum(s["score"]["strict"].values()) for s in servers if s["ran"] and s["score"]["strict"]]
    scale_n = max(totals + [1])

    def x(n):
        return label_w + n / scale_n * plot_w

    m = result["machine"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
           f'<text x="{width / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">'
           f'half-close regression suite: verdicts per server ({escape(str(result["mode"]))} run)</text>',
           f'<text x="{width / 2}" y="46" text-anchor="middle" fill="#555">'
           f'{escape(str(m.get("nproc")))} cores · {escape(str(m.get("kernel")))} · halfway {escape(str(result["commit"]))} · '
           f'{escape(str(result["date"]))}</text>',
           f'<text x="{width / 2}" y="64" text-anchor="middle" fill="#555">'
           f'wide bar: core verdicts (what RFC 1945 / RFC 9112 require of any server)</text>',
           f'<text x="{width / 2}" y="82" text-anchor="middle" fill="#555">'
           f'thin bar: strict verdicts (halfway\'s own choices, for cases that have them and passed their core)</text>']
    lx = label_w
    for key, label in (("passed", "core passed"), ("failed", "core failed"), ("skipped", "core skipped"),
                       ("strict-passed", "strict passed"), ("strict-failed", "strict failed")):
        out.append(f'<rect x="{lx:.1f}" y="96" width="12" height="12" fill="{COLOURS[key]}"/>')
        out.append(f'<text x="{lx + 17:.1f}" y="107" fill="#333">{label}</text>')
        lx += 30 + len(label) * 7.2
    # grid: every 5 cases
    bottom = top + row * len(servers)
    step = 1 if scale_n <= 10 else 5 if scale_n <= 60 else 10
    for k in range(0, scale_n + 1, step):
        out.append(f'<line x1="{x(k):.1f}" y1="{top - 6}" x2="{x(k):.1f}" y2="{bottom}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{x(k):.1f}" y="{bottom + 16}" text-anchor="middle" fill="#333">{k}</text>')
    out.append(f'<text x="{label_w + plot_w / 2:.1f}" y="{bottom + 36}" text-anchor="middle" fill="#333">cases</text>')

    def stack(y, h, parts):
        at = 0
        for key, n in parts:
            if not n:
                continue
            out.append(f'<rect x="{x(at):.1f}" y="{y}" width="{x(at + n) - x(at):.1f}" height="{h}" '
                       f'fill="{COLOURS[key]}"><title>{escape(key.replace("-", " "))}: {n}</title></rect>')
            if h >= 14 and x(at + n) - x(at) >= 22:
                out.append(f'<text x="{(x(at) + x(at + n)) / 2:.1f}" y="{y + h / 2 + 4.5:.1f}" text-anchor="middle" '
                           f'fill="#fff" font-size="12" font-weight="bold">{n}</text>')
            at += n

    for i, s in enumerate(servers):
        y = top + i * row
        out.append(f'<text x="{label_w - 10}" y="{y + 17}" text-anchor="end" font-weight="bold">{escape(s["name"])}</text>')
        out.append(f'<text x="{label_w - 10}" y="{y + 33}" text-anchor="end" fill="#777" font-size="11">'
                   f'{escape(short(s["version"]))}</text>')
        if not s["ran"]:
            reason = s["reason"] or ""
            reason = reason if len(reason) <= 95 else reason[:94] + "…"
            out.append(f'<text x="{label_w + 4}" y="{y + 17}" fill="#a00" font-style="italic">not run: '
                       f'{escape(reason)}</text>')
            continue
        core, strict = s["score"]["core"], s["score"]["strict"]
        stack(y + 4, 18, [("passed", core["passed"]), ("failed", core["failed"]), ("skipped", core["skipped"])])
        text = f'{core["passed"]}/{core["cases"]} passed'
        if core["failed"]:
            text += f', {core["failed"]} failed'
        if core["skipped"]:
            text += f', {core["skipped"]} skipped'
        out.append(f'<text x="{x(core["cases"]) + 8:.1f}" y="{y + 17}" font-size="12">{escape(text)}</text>')
        if strict is None:
            out.append(f'<text x="{label_w + 4}" y="{y + 35}" fill="#888" font-size="11">no strict parts in this report</text>')
        else:
            stack(y + 26, 8, [("strict-passed", strict["passed"]), ("strict-failed", strict["failed"])])
            out.append(f'<text x="{x(strict["passed"] + strict["failed"]) + 8:.1f}" y="{y + 34}" font-size="11" '
                       f'fill="#333">strict {strict["passed"]}/{strict["passed"] + strict["failed"]}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- commands ------------------------------------------------------------------------------------

def report(raw, json_out, md_out, svg_out):
    result = combine(raw)
    for path in (json_out, md_out, svg_out):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(json_out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    with open(md_out, "w") as f:
        f.write(render_md(result, os.path.relpath(svg_out, os.path.dirname(md_out) or ".")))
    with open(svg_out, "w") as f:
        f.write(render_svg(result))
    for s in result["servers"]:
        if s["ran"]:
            c, st = s["score"]["core"], s["score"]["strict"]
            strict = f"strict {st['passed']}/{st['passed'] + st['failed']}" if st else "no strict parts"
            print(f"conformance: {s['name']:12} {c['passed']:3}/{c['cases']} passed, {c['failed']} failed, "
                  f"{c['skipped']} skipped; {strict}  ({s['version']})")
        else:
            print(f"conformance: {s['name']:12} not run: {s['reason']}")
    print(f"conformance: wrote {json_out}, {md_out}, {svg_out}")
    return 0


def check(json_out, md_out, svg_out, names):
    problems = []
    try:
        with open(json_out) as f:
            j = json.load(f)
        got = {s["name"]: s for s in j["servers"]}
        for n in names:
            s = got.get(n)
            if s is None:
                problems.append(f"{json_out} has no server {n} (it has {', '.join(got)})")
            elif n == "halfway" and not s["ran"]:
                problems.append(f"halfway was not run: {s['reason']}")
            elif not s["ran"] and not s.get("reason"):
                problems.append(f"{n} was not run and says not why")
        cases = [c["name"] for c in j["cases"]]
        if not cases:
            problems.append(f"{json_out} has no cases")
        hw = got.get("halfway") or {}
        if hw.get("ran") and [c.get("name") for c in hw["report"].get("cases", [])] != cases[:len(hw["report"].get("cases", []))]:
            problems.append("the combined cases do not start with halfway's, in its order")
        with open(md_out) as f:
            md = f.read()
        if not md.startswith("<!-- Generated by bench/conformance"):
            problems.append(f"{md_out} lacks its generated-by header")
        rows = {line.split("|")[1].strip() for line in md.splitlines() if line.startswith("| `")}
        for c in cases:
            if code(c) not in rows:
                problems.append(f"{md_out} has no row for the case {c}")
        for n in names:
            if f"| {n} |" not in md:
                problems.append(f"{md_out} has no row for the server {n}")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        problems.append(f"{json_out} / {md_out}: {e}")
    try:
        root = ET.parse(svg_out).getroot()
        if not root.tag.endswith("svg"):
            problems.append(f"{svg_out} is not an SVG")
    except (OSError, ET.ParseError) as e:
        problems.append(f"{svg_out}: {e}")
    for p in problems:
        print(f"conformance: smoke check: {p}", file=sys.stderr)
    if not problems:
        print(f"conformance: smoke check: {json_out}, {md_out} and {svg_out} are in place "
              f"({len(names)} servers, {len(cases)} cases)")
    return 1 if problems else 0


def main(argv):
    if len(argv) == 5 and argv[0] == "report":
        return report(*argv[1:])
    if len(argv) >= 5 and argv[0] == "check":
        return check(argv[1], argv[2], argv[3], argv[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

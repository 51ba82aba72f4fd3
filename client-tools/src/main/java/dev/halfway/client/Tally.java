package dev.halfway.client;

import dev.halfway.client.RegressRunner.CaseVerdict;
import dev.halfway.client.RegressRunner.Outcome;
import java.util.List;

/** A run's counts: the cases by verdict, and the strict checks apart. */
record Tally(int passed, int failed, int skipped, int strictPassed, int strictFailed) {
    static Tally of(List<Outcome> outcomes) {
        int p = 0, f = 0, s = 0, sp = 0, sf = 0;
        for (Outcome o : outcomes) {
            switch (o.verdict()) {
                case PASS -> p++;
                case FAIL -> f++;
                case SKIP -> s++;
            }
            if (o.strict() != null) {
                if (o.strict().verdict() == CaseVerdict.PASS) {
                    sp++;
                } else {
                    sf++;
                }
            }
        }
        return new Tally(p, f, s, sp, sf);
    }

    /** e.g. "24 passed, 1 failed, 4 skipped". */
    String line() {
        return passed + " passed, " + failed + " failed, " + skipped + " skipped";
    }

    /** e.g. "strict: 6 passed, 2 failed". */
    String strictLine() {
        return "strict: " + strictPassed + " passed, " + strictFailed + " failed";
    }
}

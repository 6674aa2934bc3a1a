# Term labels and intercepts of R's terms() and lme4's findbars() for the formulas of
# Tests/SparseLMMTests/FormulaTests.swift (run: Rscript formula_terms.R). The expected values in
# the tests were copied from this output.
suppressMessages(library(lme4))
fixed <- c("y ~ a*b", "y ~ (a+b)^2", "y ~ (a+b+c)^2", "y ~ a*b*c", "y ~ a/b", "y ~ a:b", "y ~ b:a + a",
           "y ~ a*b - a", "y ~ a - 1", "y ~ 0 + a", "y ~ a + 0", "y ~ -1 + a", "y ~ 1", "y ~ a + b %in% a",
           "y ~ factor(x)", "y ~ I(x^2)", "y ~ log(x)", "y ~ x + offset(log(n))", "cbind(s, n - s) ~ x",
           "y ~ a:b + a", "y ~ c + b:a + a*c", "y ~ (a+b)*c", "y ~ a*b + b:a", "y ~ x + I(x^2) + log(x + 1)",
           "y ~ (a + b + c)^3 - a:b:c", "y ~ a + (b + c)", "y ~ a/(b + c)", "y ~ (a + b)/c", "y ~ a + 1 - 1",
           "y ~ I(1e5 * x) + I(x/2) + I(-x)", "y ~ sqrt(x) + exp(x)", "y ~ `my var` + x")
for (f in fixed) {
  tt <- terms(as.formula(f))
  cat(f, " => [", paste0('"', attr(tt, "term.labels"), '"', collapse = ", "), "] intercept ",
      attr(tt, "intercept"), " offset ", paste(rownames(attr(tt, "factors"))[attr(tt, "offset")], collapse = ","), "\n", sep = "")
}
random <- c("y ~ x + (x | g)", "y ~ (x || g)", "y ~ (1 | a/b)", "y ~ (1 | a:b)", "y ~ (1 | a/b/c)",
            "y ~ (x + z || g)", "y ~ (0 + x || g)", "y ~ (1 | g) + (0 + x | g)", "y ~ (x | a/b)")
for (f in random) {
  bars <- findbars(as.formula(f))
  cat(f, " => ", paste(sapply(bars, function(b) paste(deparse(b), collapse = "")), collapse = " ; "), "\n", sep = "")
}

# Reference model structures from R 4.2 / lme4 for Tests/SparseLMMTests/ModelStructureReferenceTests.swift.
# Writes ../extra/structure.csv (a small simulated data set) and ../extra/structure_expected.json:
# for each formula lme4's fixed-effects model matrix (column names and values, rank-deficient columns
# dropped), and its random-effects structure (θ names, grouping factors and their level counts,
# VarCorr group names, the column names of each term).
# Run from Tests/Fixtures/scripts: Rscript structure_reference.R
suppressMessages(library(lme4))
suppressMessages(library(jsonlite))
set.seed(20240601)
d <- expand.grid(rep = 1:3, c = c("p", "q"), b = c("u", "v"), a = c("A", "B", "C", "D", "E", "F"),
                 stringsAsFactors = FALSE)
d$rep <- NULL
d <- d[, c("a", "b", "c")]
n <- nrow(d)
d$x <- round(rnorm(n), 4)
d$z <- round(runif(n, 0.5, 2), 4)
d$n <- rep(c(1, 2, 3, 3), length.out = n)
d$f <- rep(c("lo", "mid", "hi"), length.out = n)
d$b1 <- "w"
d$x2 <- 2 * d$x
ua <- rnorm(6, sd = 1.5)[match(d$a, c("A", "B", "C", "D", "E", "F"))]
d$y <- round(10 + 0.8 * d$x - 0.5 * d$z + ua + rnorm(n, sd = 0.7), 4)
write.csv(d, "../extra/structure.csv", row.names = FALSE, quote = FALSE)

d <- read.csv("../extra/structure.csv", stringsAsFactors = TRUE)
fixed <- c("y ~ x * f", "y ~ f * x", "y ~ 0 + f", "y ~ f - 1 + x", "y ~ f:x - 1", "y ~ f + f:x - 1",
           "y ~ a * b", "y ~ a:b", "y ~ 0 + a:b", "y ~ b + b:c", "y ~ x + b:x", "y ~ factor(n)",
           "y ~ factor(n) * x", "y ~ I(x^2) + log(z) + sqrt(z) + exp(x)", "y ~ (b + c + f)^2", "y ~ b/c",
           "y ~ x:z", "y ~ c:b + b", "y ~ x + x2", "y ~ x + I(x * 2) + z", "y ~ f + b:f:x",
           "y ~ I(x > 0) + I(z - 1)", "y ~ x + offset(z)", "y ~ 1", "y ~ y + x", "y ~ y:x + x",
           "y ~ 0 + f + b", "y ~ 0 + x + f + b", "y ~ a:b + c + a:c", "y ~ c + a:c + a:b", "y ~ 0 + b:c + f",
           "y ~ -1 + f*b", "y ~ 0 + f:b", "y ~ 0 + x:f + f", "y ~ b + c:f:x + f:x")
out <- list(fixed = list(), random = list())
for (f in fixed) {
  lf <- lFormula(as.formula(paste(f, "+ (1 | a)")), d)
  X <- lf$X
  dropped <- setdiff(colnames(model.matrix(lme4::nobars(as.formula(f)), d)), colnames(X))
  out$fixed[[length(out$fixed) + 1]] <- list(formula = f, names = colnames(X), X = as.vector(X), dropped = dropped)
}
random <- c("y ~ x + (1 | a/b/c)", "y ~ x + (x || a/b)", "y ~ x + (1 | a/b1)", "y ~ x + (x | a) + (1 | a:b)",
            "y ~ x + (1 | a) + (0 + x | a)", "y ~ x + (1 | b) + (1 | a)", "y ~ x + (x + z || a)",
            "y ~ x + (f | a)", "y ~ x + (0 + f | a)", "y ~ x + (1 | c:b)", "y ~ x + (1 + x | a/b)",
            "y ~ x + (1 | b) + (x | a) + (1 | b:c)", "y ~ x + (1 | n)", "y ~ x + (1 | c/b)",
            "y ~ x + (0 + f + b | a)", "y ~ x + (0 + c:b | a)", "y ~ x + (x || b) + (1 | a)", "y ~ x + (1 | b) + (0 + x | a) + (1 | a)")
for (f in random) {
  m <- suppressWarnings(suppressMessages(lmer(as.formula(f), d, control = lmerControl(calc.derivs = FALSE))))
  fl <- getME(m, "flist")
  out$random[[length(out$random) + 1]] <- list(
    formula = f, theta = names(getME(m, "theta")), ngroups = as.list(sapply(fl, nlevels)),
    ngroups_order = names(fl), varcorr = names(VarCorr(m)),
    cnms = lapply(unname(getME(m, "cnms")), as.character), cnms_groups = names(getME(m, "cnms")))
}
writeLines(toJSON(out, auto_unbox = FALSE, digits = NA, pretty = TRUE), "../extra/structure_expected.json")

# Pathological data for the numerical-robustness tests (issue 7, item 2) and lme4's results on it.
# Every data set is generated deterministically (set.seed per data set), written to
# ../robustness/<name>.csv, read back, and fitted by lme4 from the file, so the references
# correspond exactly to the CSV files. lme4's answer (objective, fixef, se, theta, sigma,
# singular flag, dropped columns, messages) or its error text goes to ../robustness/reference.json.
# Run from Tests/Fixtures/scripts: Rscript robustness_reference.R
suppressMessages(library(lme4))
suppressMessages(library(jsonlite))
out_dir <- "../robustness"
dir.create(out_dir, showWarnings = FALSE)
write_data <- function(d, name) {
  path <- file.path(out_dir, paste0(name, ".csv"))
  write.csv(d, path, row.names = FALSE, quote = FALSE)
  path
}
read_data <- function(path) {
  d <- read.csv(path, stringsAsFactors = TRUE)
  d
}

## sleepstudy on other scales: Reaction × 1e-6 and × 1e9, Days × 1e6 + 1e9 (labels S308, ...)
s <- read.csv("../data/sleepstudy.csv")
s$Subject <- paste0("S", s$Subject)
s$Rsmall <- s$Reaction * 1e-6
s$Rlarge <- s$Reaction * 1e9
s$Dhuge <- s$Days * 1e6 + 1e9
write_data(s, "sleepstudy_scaled")

## near-collinear fixed effects: x2 = x1 + 1e-9 noise (below lme4's rank tolerance 1e-7),
## x3 = x1 + 1e-4 noise (above it: kept, badly conditioned)
set.seed(7001)
n <- 200; g <- factor(rep(sprintf("g%02d", 1:20), each = 10))
x1 <- round(rnorm(n), 6)
d <- data.frame(y = NA, x1 = x1, x2 = x1 + 1e-9 * round(rnorm(n), 6), x3 = x1 + 1e-4 * round(rnorm(n), 6), g = g)
d$y <- round(1 + 2 * x1 + rnorm(20, sd = 0.7)[as.integer(g)] + rnorm(n), 6)
write_data(d, "collinear")

## singular random-effects covariances: a random slope whose true variance is 0 (y0), and a
## slope exactly proportional to the intercept, correlation +1 (y1) and -1 (y2)
set.seed(7010)   # a seed where lme4 reports all four fits singular
ng <- 30; per <- 10; n <- ng * per
g <- factor(rep(sprintf("g%02d", 1:ng), each = per))
x <- round(rep(seq(0, 1, length.out = per), ng), 6)
u <- rnorm(ng, sd = 1)
e <- rnorm(n, sd = 0.5)
d <- data.frame(x = x, g = g,
                y0 = round(2 + 1.5 * x + u[g] + e, 6),
                y1 = round(2 + 1.5 * x + u[g] + 2 * u[g] * x + e, 6),
                y2 = round(2 + 1.5 * x + u[g] - 2 * u[g] * x + e, 6))
write_data(d, "singular")

## one observation per group (id), and groups where most have one observation (g)
set.seed(7003)
n <- 150
x <- round(rnorm(n), 6)
sizes <- c(rep(1, 100), rep(5, 10))           # 110 groups: 100 singletons, 10 of five
gm <- factor(rep(sprintf("m%03d", seq_along(sizes)), times = sizes))
um <- rnorm(length(sizes), sd = 1)
d <- data.frame(y = round(1 + 0.5 * x + um[gm] + rnorm(n, sd = 0.6), 6), x = x,
                id = sprintf("i%03d", 1:n), g = gm)
write_data(d, "singletons")

## very unbalanced: one group holds 90% of the rows
set.seed(7004)
sizes <- c(450, rep(5, 10))
gu <- factor(rep(c("big", sprintf("s%02d", 1:10)), times = sizes))
n <- sum(sizes)
x <- round(rnorm(n), 6)
uu <- rnorm(length(sizes), sd = 0.8); vv <- rnorm(length(sizes), sd = 0.3)
d <- data.frame(y = round(3 + 0.7 * x + uu[gu] + vv[gu] * x + rnorm(n), 6), x = x, g = gu)
write_data(d, "unbalanced")

## thousands of levels with few rows each: 3,000 levels × 2 rows
set.seed(7005)
ng <- 3000
gl <- factor(rep(sprintf("L%04d", 1:ng), each = 2))
n <- 2 * ng
x <- round(rnorm(n), 3)
ul <- rnorm(ng, sd = 0.6)
d <- data.frame(y = round(1 + 0.4 * x + ul[gl] + rnorm(n, sd = 0.8), 3), x = x, g = gl)
write_data(d, "many_levels")

## binomial with very rare events: 2,000 Bernoulli trials in 40 groups, P(success) ~ 0.4%
set.seed(7006)
ng <- 40; per <- 50; n <- ng * per
gb <- factor(rep(sprintf("b%02d", 1:ng), each = per))
x <- round(rnorm(n), 4)
ub <- rnorm(ng, sd = 0.5)
d <- data.frame(y = rbinom(n, 1, plogis(-5.5 + 0.4 * x + ub[gb])), x = x, g = gb)
write_data(d, "rare_binomial")

## Poisson with huge counts (means around e^12 ≈ 160,000)
set.seed(7007)
ng <- 30; per <- 10; n <- ng * per
gp <- factor(rep(sprintf("p%02d", 1:ng), each = per))
x <- round(rnorm(n), 4)
up <- rnorm(ng, sd = 0.5)
d <- data.frame(y = rpois(n, exp(12 + 0.3 * x + up[gp])), x = x, g = gp)
write_data(d, "huge_poisson")

cases <- list(
  list(id = "scale_base_reml", data = "sleepstudy_scaled", formula = "Reaction ~ Days + (Days | Subject)", REML = TRUE),
  list(id = "scale_base_ml", data = "sleepstudy_scaled", formula = "Reaction ~ Days + (Days | Subject)", REML = FALSE),
  list(id = "scale_1e-6_reml", data = "sleepstudy_scaled", formula = "Rsmall ~ Days + (Days | Subject)", REML = TRUE),
  list(id = "scale_1e-6_ml", data = "sleepstudy_scaled", formula = "Rsmall ~ Days + (Days | Subject)", REML = FALSE),
  list(id = "scale_1e9_reml", data = "sleepstudy_scaled", formula = "Rlarge ~ Days + (Days | Subject)", REML = TRUE),
  list(id = "scale_1e9_ml", data = "sleepstudy_scaled", formula = "Rlarge ~ Days + (Days | Subject)", REML = FALSE),
  list(id = "huge_covariate_intercept", data = "sleepstudy_scaled", formula = "Reaction ~ Dhuge + (1 | Subject)", REML = TRUE),
  list(id = "huge_covariate_slope", data = "sleepstudy_scaled", formula = "Reaction ~ Dhuge + (Dhuge | Subject)", REML = TRUE),
  list(id = "huge_covariate_both", data = "sleepstudy_scaled", formula = "Rlarge ~ Dhuge + (1 | Subject)", REML = FALSE),
  list(id = "collinear_1e-9", data = "collinear", formula = "y ~ x1 + x2 + (1 | g)", REML = TRUE),
  list(id = "collinear_1e-4", data = "collinear", formula = "y ~ x1 + x3 + (1 | g)", REML = TRUE),
  list(id = "singular_zero_slope", data = "singular", formula = "y0 ~ x + (x | g)", REML = TRUE),
  list(id = "singular_corr_plus", data = "singular", formula = "y1 ~ x + (x | g)", REML = TRUE),
  list(id = "singular_corr_minus", data = "singular", formula = "y2 ~ x + (x | g)", REML = TRUE),
  list(id = "singular_zero_slope_uncorrelated", data = "singular", formula = "y0 ~ x + (x || g)", REML = FALSE),
  list(id = "one_per_group", data = "singletons", formula = "y ~ x + (1 | id)", REML = TRUE),
  list(id = "mostly_singletons", data = "singletons", formula = "y ~ x + (1 | g)", REML = TRUE),
  list(id = "unbalanced_intercept", data = "unbalanced", formula = "y ~ x + (1 | g)", REML = TRUE),
  list(id = "unbalanced_slope", data = "unbalanced", formula = "y ~ x + (x | g)", REML = TRUE),
  list(id = "many_levels", data = "many_levels", formula = "y ~ x + (1 | g)", REML = TRUE),
  list(id = "rare_binomial", data = "rare_binomial", formula = "y ~ x + (1 | g)", family = "binomial"),
  list(id = "huge_poisson", data = "huge_poisson", formula = "y ~ x + (1 | g)", family = "poisson")
)

fit_case <- function(cs) {
  d <- read_data(file.path(out_dir, paste0(cs$data, ".csv")))
  warnings <- character(0)
  fam <- if (is.null(cs$family)) "gaussian" else cs$family
  res <- list(dataset = cs$data, formula = cs$formula, family = fam)
  if (fam == "gaussian") res$method <- if (cs$REML) "REML" else "ML"
  m <- tryCatch(withCallingHandlers({
    if (fam == "gaussian") lmer(as.formula(cs$formula), data = d, REML = cs$REML)
    else glmer(as.formula(cs$formula), data = d, family = fam)
  }, warning = function(w) { warnings <<- c(warnings, conditionMessage(w)); invokeRestart("muffleWarning") },
     message = function(m) { warnings <<- c(warnings, trimws(conditionMessage(m))); invokeRestart("muffleMessage") }),
  error = function(e) e)
  res$warnings <- warnings
  if (inherits(m, "error")) {
    res$error <- conditionMessage(m)
    return(res)
  }
  res$objective <- if (fam == "gaussian") { if (cs$REML) REMLcrit(m) else deviance(m) } else -2 * as.numeric(logLik(m))
  res$nobs <- nobs(m)
  res$fixef <- as.list(fixef(m))
  res$se <- as.list(sqrt(diag(as.matrix(vcov(m)))))
  res$theta <- as.list(getME(m, "theta"))
  res$sigma <- if (fam == "gaussian") sigma(m) else NULL
  res$singular <- isSingular(m)
  X <- getME(m, "X")
  full <- colnames(model.matrix(lme4::nobars(as.formula(cs$formula)), d))
  res$dropped_columns <- I(setdiff(full, colnames(X)))
  res$optimizer_messages <- I(c(m@optinfo$conv$lme4$messages, m@optinfo$message))
  vc <- as.data.frame(VarCorr(m))
  res$varcorr <- lapply(seq_len(nrow(vc)), function(i) list(group = vc$grp[i], term1 = if (is.na(vc$var1[i])) NULL else vc$var1[i],
                                                          term2 = if (is.na(vc$var2[i])) NULL else vc$var2[i], sd = vc$sdcor[i]))
  res
}
out <- list()
for (cs in cases) out[[cs$id]] <- fit_case(cs)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), file.path(out_dir, "reference.json"))
for (id in names(out)) {
  r <- out[[id]]
  cat(sprintf("%-34s %s | sing=%s | %s\n", id, if (is.null(r$error)) format(r$objective, digits = 10) else paste("ERROR:", r$error),
              format(r$singular), paste(r$warnings, collapse = " / ")))
}

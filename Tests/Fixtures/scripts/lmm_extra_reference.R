# Reference fits from lme4 for Gaussian features the shipped references do not cover: prior weights,
# an offset column and offset() in the formula, a transformed response and transformed predictors.
# Writes ../extra/sleepstudy_wo.csv (sleepstudy plus a weights column w and an offset column o) and
# ../extra/lmm_extra.json. Run from Tests/Fixtures/scripts: Rscript lmm_extra_reference.R
suppressMessages(library(lme4))
suppressMessages(library(jsonlite))
d <- read.csv("../data/sleepstudy.csv")
d$Subject <- factor(d$Subject)
d$w <- 1 + (d$Days %% 3)
d$o <- 0.5 * d$Days
write.csv(d, "../extra/sleepstudy_wo.csv", row.names = FALSE, quote = FALSE)
d <- read.csv("../extra/sleepstudy_wo.csv")
d$Subject <- factor(d$Subject)
fits <- list(
  list(id = "weights_corr_reml", formula = "Reaction ~ Days + (Days | Subject)", REML = TRUE, weights = "w", offset = NULL),
  list(id = "weights_corr_ml", formula = "Reaction ~ Days + (Days | Subject)", REML = FALSE, weights = "w", offset = NULL),
  list(id = "offset_column_reml", formula = "Reaction ~ Days + (1 | Subject)", REML = TRUE, weights = NULL, offset = "o"),
  list(id = "offset_formula_reml", formula = "Reaction ~ Days + offset(o) + (1 | Subject)", REML = TRUE, weights = NULL, offset = NULL),
  list(id = "transformed_reml", formula = "log(Reaction) ~ Days + I(Days^2) + (1 | Subject)", REML = TRUE, weights = NULL, offset = NULL),
  list(id = "weights_offset_ml", formula = "Reaction ~ Days + (1 | Subject)", REML = FALSE, weights = "w", offset = "o")
)
out <- list()
for (f in fits) {
  args <- list(formula = as.formula(f$formula), data = d, REML = f$REML)
  if (!is.null(f$weights)) args$weights <- d[[f$weights]]
  if (!is.null(f$offset)) args$offset <- d[[f$offset]]
  m <- do.call(lmer, args)
  vc <- as.data.frame(VarCorr(m))
  out[[f$id]] <- list(
    formula = f$formula, method = if (f$REML) "REML" else "ML", weights_column = f$weights, offset_column = f$offset,
    objective = if (f$REML) REMLcrit(m) else deviance(m), logLik = as.numeric(logLik(m)),
    theta = as.list(getME(m, "theta")), sigma = sigma(m), fixef = as.list(fixef(m)),
    se = as.list(sqrt(diag(as.matrix(vcov(m))))), fitted_head = unname(head(fitted(m), 10)),
    resid_head = unname(head(residuals(m, type = "response"), 10)),
    ranef_head = unname(head(ranef(m)$Subject[, 1], 5)))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), "../extra/lmm_extra.json")

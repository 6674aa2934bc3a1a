# Reference values from lme4 for the LMM extractors coef(), residuals(type = "response" / "pearson")
# and the scaled residuals (residuals(m, scaled = TRUE)) on sleepstudy: a correlated
# random-slope fit and an uncorrelated one (two terms on Subject, merged by coef).
# Writes ../extra/lmm_extractors.json. Run from Tests/Fixtures/scripts: Rscript lmm_extractors_reference.R
suppressMessages(library(lme4))
suppressMessages(library(jsonlite))
d <- read.csv("../data/sleepstudy.csv")
d$Subject <- factor(d$Subject)
out <- list()
for (f in list(list(id = "sleepstudy_corr_reml", formula = "Reaction ~ Days + (Days | Subject)"),
               list(id = "sleepstudy_uncorr_reml", formula = "Reaction ~ Days + (Days || Subject)"))) {
  m <- lmer(as.formula(f$formula), data = d, REML = TRUE)
  cf <- coef(m)$Subject
  coefs <- lapply(seq_len(nrow(cf)), function(i) as.list(cf[i, , drop = TRUE]))
  names(coefs) <- rownames(cf)
  out[[f$id]] <- list(
    dataset = "sleepstudy.csv", formula = f$formula, method = "REML",
    sigma = sigma(m),
    coef = list(Subject = coefs),
    resid_response = unname(residuals(m, type = "response")),
    resid_pearson = unname(residuals(m, type = "pearson")),
    resid_scaled = unname(residuals(m, scaled = TRUE))
  )
}
out$r_versions <- list(R = paste(R.version$major, R.version$minor, sep = "."), lme4 = as.character(packageVersion("lme4")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "../extra/lmm_extractors.json")

# Reference numbers for the Kenward-Roger tests (Tests/SparseLMMTests/KenwardRogerTests.swift).
#
# Run from the repository root:
#   Rscript Tests/Fixtures/scripts/kenward_roger_reference.R
# writes Tests/Fixtures/kenward_roger/reference.json. Made with R 4.2, lme4, lmerTest 3.1-3 and
# pbkrtest 0.5.2: for each REML fit, theta and sigma at lme4's optimum, pbkrtest's adjusted
# covariance (vcovAdj), lmerTest's Kenward-Roger t tests (summary) and type III ANOVA
# (anova(m, ddf = "Kenward-Roger"), which calls pbkrtest::KRmodcomp), with the A1/A2/F-scaling
# of pbkrtest's KRmodcomp for each ANOVA row.
suppressPackageStartupMessages({ library(lmerTest); library(pbkrtest); library(jsonlite) })

schema <- fromJSON("Tests/Fixtures/data/schema.json", simplifyVector = FALSE)
read_data <- function(file, factors = character()) {
  d <- read.csv(file.path("Tests/Fixtures/data", file), stringsAsFactors = FALSE)
  for (col in schema[[file]]$columns) {
    if (identical(col$type, "factor")) d[[col$name]] <- factor(as.character(d[[col$name]]), levels = unlist(col$levels))
  }
  for (f in factors) d[[f]] <- factor(d[[f]], levels = sort(unique(d[[f]])))
  d
}

models <- list(
  list(id = "sleepstudy_na_daysfactor", data = "sleepstudy_na.csv", factors = "Days",
       formula = "Reaction ~ Days + (1 | Subject)",
       note = "Days as a 10-level factor: a 9-df F test; unbalanced by the missing rows"),
  list(id = "grouseticks_year", data = "grouseticks.csv", factors = character(),
       formula = "TICKS ~ YEAR + cHEIGHT + (1 | LOCATION) + (1 | BROOD)",
       note = "Gaussian LMM of the tick counts (a numerical test, not a sensible model): 2-df YEAR, nested unbalanced groups"),
  list(id = "cbpp_period_slope", data = "cbpp.csv", factors = character(),
       formula = "incidence ~ period + size + (1 + size | herd)",
       note = "Gaussian LMM with a correlated random slope and a 3-df period term"),
  list(id = "orthodont_agesex_int", data = "Orthodont.csv", factors = character(),
       formula = "distance ~ age * Sex + (age | Subject)", note = "as the reference fit orthodont_agesex_int_reml"),
  list(id = "sleepstudy_corr", data = "sleepstudy.csv", factors = character(),
       formula = "Reaction ~ Days + (Days | Subject)", note = "as the reference fit sleepstudy_corr_reml")
)

out <- list()
for (spec in models) {
  d <- read_data(spec$data, spec$factors)
  m <- lmer(as.formula(spec$formula), data = d, REML = TRUE)
  vadj <- as.matrix(vcovAdj(m))
  dimnames(vadj) <- NULL
  s <- summary(m, ddf = "Kenward-Roger")$coefficients
  a <- anova(m, ddf = "Kenward-Roger", type = 3)
  # pbkrtest's own statistics for each ANOVA row (same L as lmerTest's type III contrasts)
  Ls <- lmerTest:::get_contrasts_type3(m)
  rows <- lapply(rownames(a), function(term) {
    L <- Ls[[term]]
    kr <- KRmodcomp(m, L)
    list(term = term, sum_sq = a[term, "Sum Sq"], mean_sq = a[term, "Mean Sq"], num_df = a[term, "NumDF"],
         den_df = a[term, "DenDF"], F = a[term, "F value"], p = a[term, "Pr(>F)"],
         F_scaling = kr$stats$F.scaling, F_unscaled = kr$stats$FstatU, A1 = unname(kr$aux["A1"]), A2 = unname(kr$aux["A2"]))
  })
  coefs <- lapply(seq_len(nrow(s)), function(i) list(name = rownames(s)[i], estimate = s[i, "Estimate"],
    se = s[i, "Std. Error"], df = s[i, "df"], t = s[i, "t value"], p = s[i, "Pr(>|t|)"]))
  out[[spec$id]] <- list(id = spec$id, data = spec$data, factors = I(spec$factors), formula = spec$formula, note = spec$note,
                         theta = I(unname(getME(m, "theta"))), sigma = sigma(m), fixef = I(unname(fixef(m))),
                         vcov = as.matrix(vcov(m)) |> unname(), vcov_adjusted = vadj,
                         coefficients = coefs, anova_type3 = rows)
}
out$r_versions <- list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                       lmerTest = as.character(packageVersion("lmerTest")), pbkrtest = as.character(packageVersion("pbkrtest")))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "Tests/Fixtures/kenward_roger/reference.json")

# R's printed summaries of a few fits, the expected text of Tests/SparseLMMTests/SummaryTests.swift.
# Run from Tests/Fixtures: Rscript scripts/summary_reference.R (writes summaries/*.txt).
# Factor columns and level orders follow data/schema.json, as the tests' DataOptions do.
suppressMessages({ library(lme4); library(jsonlite) })
schema <- fromJSON("data/schema.json", simplifyVector = FALSE)
load <- function(file) {
  d <- read.csv(file.path("data", file), stringsAsFactors = FALSE)
  for (col in schema[[file]]$columns) {
    if (col$type == "factor") d[[col$name]] <- factor(as.character(d[[col$name]]), levels = unlist(col$levels))
  }
  d
}
write_summary <- function(id, m) {
  out <- capture.output(print(summary(m)))
  writeLines(out, file.path("summaries", paste0(id, ".txt")))
}
sleep <- load("sleepstudy.csv")
write_summary("sleepstudy_reml", lmer(Reaction ~ Days + (Days | Subject), sleep))
write_summary("sleepstudy_ml", lmer(Reaction ~ Days + (Days | Subject), sleep, REML = FALSE))
write_summary("penicillin", lmer(diameter ~ 1 + (1 | plate) + (1 | sample), load("Penicillin.csv")))
write_summary("dyestuff2_singular", lmer(Yield ~ 1 + (1 | Batch), load("Dyestuff2.csv")))
write_summary("sleepstudy_rankdef", lmer(Reaction ~ Days + Days2 + (Days | Subject), load("sleepstudy_rankdef.csv")))
write_summary("sleepstudy_na", lmer(Reaction ~ Days + (Days | Subject), load("sleepstudy_na.csv")))
write_summary("pastes", lmer(strength ~ 1 + (1 | batch/cask), load("Pastes.csv")))
write_summary("orthodont_uncorrelated", lmer(distance ~ age * Sex + (age || Subject), load("Orthodont.csv")))
write_summary("cbpp_binomial", glmer(cbind(incidence, size - incidence) ~ period + (1 | herd), load("cbpp.csv"), family = binomial))
write_summary("grouseticks_poisson", glmer(TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION),
                                          load("grouseticks.csv"), family = poisson))
suppressMessages(library(lmerTest))
write_summary("sleepstudy_satterthwaite", lmerTest::lmer(Reaction ~ Days + (Days | Subject), sleep))

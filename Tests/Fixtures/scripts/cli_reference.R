# Reference numbers from lme4 for the `lmm` command-line contract tests (CLIContractTests.swift):
#  - drop1(m, test = "Chisq") for ML fits on Orthodont (additive and interaction models) and a
#    Poisson GLMM on cbpp's incidence with log_size as a covariate;
#  - the boundary-corrected p-value (50:50 mixture of chi-squared with Df - 1 and Df) of
#    lrt_sleepstudy_ri_vs_corr, and anova(m0, m1, refit = FALSE) on the REML fits;
#  - confint(m, method = "Wald") of the sleepstudy correlated REML fit;
#  - lmerTest's anova(m, type = 3, ddf = "Kenward-Roger") of the Orthodont interaction REML fit;
#  - R's printed tables of the anova and drop1 results, line by line (`print` fields);
#  - predict() on ../extra/sleepstudy_newdata.csv (written here; Subject 999 is not in the data) for
#    the sleepstudy correlated REML fit: re.form = NA, and re.form = NULL with allow.new.levels.
# lme4 warns that the Orthodont ML fits failed its gradient check (max|grad| 0.01); their deviances
# are those of the reference fits (fits/orthodont_*), so the warning is about scaling, not a bad optimum.
# Writes ../extra/cli_reference.json. Run from Tests/Fixtures/scripts: Rscript cli_reference.R
suppressMessages(library(lme4))
suppressMessages(library(jsonlite))
drop1_print <- function(m) capture.output(print(drop1(m, test = "Chisq")))
drop1_rows <- function(m) {
  d1 <- drop1(m, test = "Chisq")
  lapply(seq_len(nrow(d1)), function(i) list(
    term = rownames(d1)[i], npar = if (is.na(d1$npar[i])) NULL else d1$npar[i], AIC = d1$AIC[i],
    LRT = if (is.na(d1$LRT[i])) NULL else d1$LRT[i],
    p = if (is.na(d1[["Pr(Chi)"]][i])) NULL else d1[["Pr(Chi)"]][i]))
}
out <- list()
orth <- read.csv("../data/Orthodont.csv")
orth$Sex <- factor(orth$Sex, levels = c("Male", "Female"))
orth$Subject <- factor(orth$Subject)
for (f in list(list(id = "orthodont_add", formula = "distance ~ age + Sex + (age | Subject)"),
               list(id = "orthodont_int", formula = "distance ~ age * Sex + (age | Subject)"))) {
  m <- lmer(as.formula(f$formula), data = orth, REML = FALSE)
  out$drop1[[f$id]] <- list(dataset = "Orthodont.csv", formula = f$formula, family = "gaussian",
                            levels = list(Sex = c("Male", "Female")), rows = drop1_rows(m),
                            print = drop1_print(m))
}
cbpp <- read.csv("../data/cbpp.csv", colClasses = c(herd = "character", period = "character"))
cbpp$herd <- factor(cbpp$herd, levels = as.character(1:15))
cbpp$period <- factor(cbpp$period, levels = as.character(1:4))
f_cbpp <- "incidence ~ period + log_size + (1 | herd)"
m_cbpp <- glmer(as.formula(f_cbpp), data = cbpp, family = poisson)
out$drop1$cbpp_poisson <- list(dataset = "cbpp.csv", formula = f_cbpp, family = "poisson",
                               factors = c("herd", "period"), rows = drop1_rows(m_cbpp),
                               print = drop1_print(m_cbpp))

sl <- read.csv("../data/sleepstudy.csv")
sl$Subject <- factor(sl$Subject)
m0 <- lmer(Reaction ~ Days + (1 | Subject), sl, REML = TRUE)
m1 <- lmer(Reaction ~ Days + (Days | Subject), sl, REML = TRUE)
a <- anova(m0, m1)
chisq <- a$Chisq[2]; df <- a$Df[2]
out$lrt_boundary <- list(model0 = "sleepstudy_ri_reml", model1 = "sleepstudy_corr_reml", Chisq = chisq, Df = df,
                         p = a[["Pr(>Chisq)"]][2],
                         p_boundary = 0.5 * pchisq(chisq, df - 1, lower.tail = FALSE) + 0.5 * pchisq(chisq, df, lower.tail = FALSE))
out$lrt_boundary$print <- capture.output(print(a))
nr <- anova(m0, m1, refit = FALSE)
out$lrt_no_refit <- list(Chisq = nr$Chisq[2], Df = nr$Df[2], p = nr[["Pr(>Chisq)"]][2],
                         deviance = nr$deviance, AIC = nr$AIC, npar = nr$npar)
w <- confint(m1, method = "Wald")
out$wald_sleepstudy_corr_reml <- lapply(setNames(seq_len(nrow(w)), rownames(w)), function(i)
  if (is.na(w[i, 1])) NULL else list(lower = w[i, 1], upper = w[i, 2]))

# Kenward-Roger type III table (lmerTest, which calls pbkrtest) for the Orthodont interaction REML fit
suppressMessages(library(lmerTest))
mo <- lmerTest::lmer(distance ~ age * Sex + (age | Subject), data = orth, REML = TRUE)
kr <- anova(mo, type = 3, ddf = "Kenward-Roger")
out$kenward_roger_type3_orthodont_agesex_int_reml <- lapply(seq_len(nrow(kr)), function(i) list(
  term = rownames(kr)[i], num_df = kr$NumDF[i], den_df = kr$DenDF[i], F = kr[["F value"]][i], p = kr[["Pr(>F)"]][i]))

nd <- data.frame(Subject = c("308", "308", "309", "372", "999", "999"), Days = c(0, 9, 4.5, 2, 0, 7))
write.csv(nd, "../extra/sleepstudy_newdata.csv", row.names = FALSE, quote = FALSE)
nd$Subject <- factor(nd$Subject)
out$predict_sleepstudy_corr_reml <- list(
  dataset = "sleepstudy.csv", formula = "Reaction ~ Days + (Days | Subject)", newdata = "sleepstudy_newdata.csv",
  new_level = "999", new_level_rows = which(nd$Subject == "999"),
  re_none = unname(predict(m1, newdata = nd, re.form = NA)),
  re_all_new_levels = unname(predict(m1, newdata = nd, re.form = NULL, allow.new.levels = TRUE)))
out$r_versions <- list(R = paste(R.version$major, R.version$minor, sep = "."), lme4 = as.character(packageVersion("lme4")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "../extra/cli_reference.json")

# A larger Kenward-Roger reference: InstEval restricted to its first 200 students (5,461 rows,
# q = 1,068 random effects: 200 s, 841 d, 27 dept:service), the model of the InstEval timing
# y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service). Large enough that the trace
# computation of KenwardRogerTraces runs over several panels, small enough for pbkrtest's dense
# n x n algebra (which takes about 10 minutes and 2 GB here).
#
# Run from the repository root:
#   Rscript Tests/Fixtures/scripts/kenward_roger_insteval_subset.R
# writes Tests/Fixtures/kenward_roger/insteval_subset.csv and insteval_subset.json.
suppressPackageStartupMessages({ library(lmerTest); library(pbkrtest); library(jsonlite) })

d <- read.csv("Tests/Fixtures/data/InstEval.csv")
d <- d[d$s %in% sort(unique(d$s))[1:200], ]
write.csv(d, "Tests/Fixtures/kenward_roger/insteval_subset.csv", row.names = FALSE, quote = FALSE)
for (c in c("s", "d", "dept", "service")) d[[c]] <- factor(d[[c]], levels = sort(unique(d[[c]])))
formula <- "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)"
m <- lmer(as.formula(formula), data = d, REML = TRUE)
Phi <- as.matrix(vcov(m))
PhiA <- vcovAdj(m)                      # pbkrtest's adjusted covariance (the expensive step)
beta <- fixef(m)
coefs <- lapply(seq_along(beta), function(j) {
  L <- matrix(0, 1, length(beta)); L[j] <- 1
  se <- sqrt(drop(L %*% as.matrix(PhiA) %*% t(L)))
  df <- Lb_ddf(L, Phi, PhiA)             # what lmerTest's summary(ddf = "Kenward-Roger") uses
  t <- unname(beta[j]) / se
  list(name = names(beta)[j], estimate = unname(beta[j]), se = se, df = df, t = t, p = 2 * pt(abs(t), df, lower.tail = FALSE))
})
L <- lmerTest:::get_contrasts_type3(m)$service
st <- pbkrtest:::.KR_adjust(PhiA, Phi = Phi, L, beta = beta, betaH = 0)   # as KRmodcomp
out <- list(formula = formula, factors = I(c("s", "d", "dept", "service")), nobs = nrow(d),
            theta = I(unname(getME(m, "theta"))), theta_names = I(names(getME(m, "theta"))), sigma = sigma(m),
            vcov_adjusted = unname(as.matrix(PhiA)), coefficients = coefs,
            anova_service = list(num_df = st$ndf, den_df = st$ddf, F = st$Fstat, F_unscaled = st$FstatU,
                                 F_scaling = st$F.scaling, p = st$p.value),
            r_versions = list(R = R.version.string, lme4 = as.character(packageVersion("lme4")),
                              pbkrtest = as.character(packageVersion("pbkrtest"))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "Tests/Fixtures/kenward_roger/insteval_subset.json")

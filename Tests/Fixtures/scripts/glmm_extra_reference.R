# Reference values from lme4 for GLMM extractors and links the shipped fits do not cover:
#  - fitted values on the link and response scales and residuals of every type (response, pearson,
#    deviance, working) for the cbpp binomial (logit) and grouseticks Poisson (log) reference fits;
#  - non-canonical links: binomial probit and cloglog on cbpp, Poisson sqrt on cbpp's incidence;
#  - predict() on new data (../extra/cbpp_newdata.csv, written here) for the cbpp logit fit: link and
#    response scale, with (re.form = NULL) and without (re.form = NA) random effects, a new herd
#    allowed (allow.new.levels = TRUE).
# Writes ../extra/glmm_extra.json. Run from Tests/Fixtures/scripts: Rscript glmm_extra_reference.R
suppressMessages(library(lme4))
suppressMessages(library(jsonlite))
cbpp <- read.csv("../data/cbpp.csv", colClasses = c(herd = "character", period = "character"))
cbpp$herd <- factor(cbpp$herd, levels = as.character(1:15))
cbpp$period <- factor(cbpp$period, levels = as.character(1:4))
gt <- read.csv("../data/grouseticks.csv",
               colClasses = c(INDEX = "character", BROOD = "character", YEAR = "character", LOCATION = "character"))
for (v in c("INDEX", "BROOD", "YEAR", "LOCATION")) gt[[v]] <- factor(gt[[v]])

scales <- function(m) list(
  fitted_response = unname(fitted(m)),
  fitted_link = unname(predict(m, type = "link")),
  resid_response = unname(residuals(m, type = "response")),
  resid_pearson = unname(residuals(m, type = "pearson")),
  resid_deviance = unname(residuals(m, type = "deviance")),
  resid_working = unname(residuals(m, type = "working"))
)
estimates <- function(m, formula, dataset, link, family) list(
  dataset = dataset, formula = formula, family = family, link = link,
  objective = -2 * as.numeric(logLik(m)),
  fixef = as.list(fixef(m)), se = as.list(sqrt(diag(as.matrix(vcov(m))))),
  theta = as.list(getME(m, "theta")),
  fitted_head = unname(head(fitted(m), 10)),
  lme4_messages = m@optinfo$conv$lme4$messages,
  r_call = paste(deparse(m@call), collapse = " ")
)

out <- list()
f_cbpp <- "cbind(incidence, size - incidence) ~ period + (1 | herd)"
m_logit <- glmer(as.formula(f_cbpp), data = cbpp, family = binomial)
out$cbpp_logit_scales <- c(list(dataset = "cbpp.csv", formula = f_cbpp, family = "binomial", link = "logit"), scales(m_logit))
f_gt <- "TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)"
m_gt <- glmer(as.formula(f_gt), data = gt, family = poisson)
out$grouseticks_log_scales <- c(list(dataset = "grouseticks.csv", formula = f_gt, family = "poisson", link = "log"), scales(m_gt))

m_probit <- glmer(as.formula(f_cbpp), data = cbpp, family = binomial(link = "probit"))
out$cbpp_probit <- c(estimates(m_probit, f_cbpp, "cbpp.csv", "probit", "binomial"), list(scales = scales(m_probit)))
m_cloglog <- glmer(as.formula(f_cbpp), data = cbpp, family = binomial(link = "cloglog"))
out$cbpp_cloglog <- c(estimates(m_cloglog, f_cbpp, "cbpp.csv", "cloglog", "binomial"), list(scales = scales(m_cloglog)))
f_sqrt <- "incidence ~ period + (1 | herd)"
m_sqrt <- glmer(as.formula(f_sqrt), data = cbpp, family = poisson(link = "sqrt"))
out$cbpp_incidence_sqrt <- c(estimates(m_sqrt, f_sqrt, "cbpp.csv", "sqrt", "poisson"), list(scales = scales(m_sqrt)))

# new data: known herds, every period, and a herd (16) not in the fitted data
nd <- data.frame(herd = c("1", "1", "5", "5", "15", "15", "16", "16"),
                 period = c("1", "4", "2", "3", "1", "4", "1", "3"))
write.csv(nd, "../extra/cbpp_newdata.csv", row.names = FALSE, quote = FALSE)
nd$herd <- factor(nd$herd, levels = as.character(1:16))
nd$period <- factor(nd$period, levels = as.character(1:4))
known <- nd$herd != "16"
out$cbpp_logit_predict <- list(
  dataset = "cbpp.csv", formula = f_cbpp, newdata = "cbpp_newdata.csv", new_level_rows = which(!known),
  link_re_none = unname(predict(m_logit, newdata = nd, re.form = NA, type = "link")),
  response_re_none = unname(predict(m_logit, newdata = nd, re.form = NA, type = "response")),
  link_re_all = unname(predict(m_logit, newdata = nd, re.form = NULL, type = "link", allow.new.levels = TRUE)),
  response_re_all = unname(predict(m_logit, newdata = nd, re.form = NULL, type = "response", allow.new.levels = TRUE))
)
out$r_versions <- list(R = paste(R.version$major, R.version$minor, sep = "."), lme4 = as.character(packageVersion("lme4")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", pretty = TRUE), "../extra/glmm_extra.json")

#!/usr/bin/env Rscript
# perf/lme4_fit.R: fit one mixed model with lme4 (or glmmTMB) and time only the fitting call.
#
# The SparseLMM benchmark (`bench --compare lme4`) calls this script once per workload, but it is
# meant to be rerun by hand too:
#
#   OPENBLAS_NUM_THREADS=1 Rscript perf/lme4_fit.R \
#       --data=Tests/Fixtures/data/InstEval.csv \
#       --formula='y ~ 1 + service + (1|s) + (1|d) + (1|dept:service)' \
#       --schema=Tests/Fixtures/data/schema.json --dataset=InstEval.csv --out=/tmp/insteval.json
#
# Simulated workloads: write their rows first with `bench --write-data NAME FILE.csv`, then pass
# `--data=FILE.csv --factors=user,item` (the grouping columns the workload lists).
#
# Arguments (all --key=value):
#   --data=FILE          CSV file (header row; empty field or NA is missing)
#   --formula=F          lme4 formula
#   --family=NAME        gaussian (lmer, default), binomial or poisson (glmer, Laplace)
#   --reml=TRUE|FALSE    REML (default TRUE) for gaussian models
#   --factors=a,b        columns to read as factors (levels sorted), when no schema is given
#   --schema=FILE        schema.json of the reference data: factor columns and their level order
#   --dataset=NAME       the CSV's entry in the schema (e.g. InstEval.csv)
#   --engine=NAME        lme4 (default) or glmmTMB
#   --runs=auto|N        fits to time: auto = 1 run, then 5 in all if it took < 1 s, 3 if < 10 s
#   --eval-seconds=S     after the fit, time objective evaluations at the optimum for about S seconds
#                        (the mean per evaluation is reported)
#                        (lme4 only; 0 = skip; default 1)
#   --out=FILE           write the result as JSON there (default: stdout)
#
# Timing: wall seconds of the fitting call alone (lmer()/glmer()/glmmTMB() on a data frame that is
# already in memory, so model-frame and model-matrix construction are included; reading the CSV
# is not), after a gc(); the median over the runs is reported with every run's time.
# Objective: REML criterion (REMLcrit) for REML fits, deviance (-2 logLik) for ML fits,
# -2 logLik of the Laplace approximation for GLMMs (glmmTMB: 2 x the minimised objective).
# Evaluations: m@optinfo$feval (for glmer: the second, (theta, beta) stage only), glmmTMB: the
# objective-function count of nlminb.
# CPU: user + system seconds of the R process during the fitting call (median), to tell a fit that
# waited for a busy machine.
# Peak memory: VmHWM of this R process (data, every run and the evaluation timing included).

suppressPackageStartupMessages({
  library(methods)
  library(stats)
})

args <- commandArgs(trailingOnly = TRUE)
opt <- list(family = "gaussian", reml = "TRUE", engine = "lme4", runs = "auto", eval.seconds = "1")
for (a in args) {
  m <- regmatches(a, regexec("^--([^=]+)=(.*)$", a))[[1]]
  if (length(m) != 3) stop("arguments are --key=value; got: ", a)
  opt[[gsub("-", ".", m[2], fixed = TRUE)]] <- m[3]
}
for (k in c("data", "formula")) if (is.null(opt[[k]])) stop("--", k, "= is required")

# ---- a small JSON writer (no dependency on jsonlite) ----------------------------------------
json_num <- function(x) {
  if (is.null(x) || length(x) == 0 || is.na(x) || !is.finite(x)) return("null")
  sprintf("%.17g", as.numeric(x))
}
json_quote <- function(x) {
  x <- gsub("\\\\", "\\\\\\\\", as.character(x))
  x <- gsub("\"", "\\\\\"", x)
  x <- gsub("\n", "\\\\n", x)
  x <- gsub("\t", "\\\\t", x)
  x <- gsub("[[:cntrl:]]", " ", x)
  paste0("\"", x, "\"")
}
json_str <- function(x) {
  if (is.null(x) || length(x) == 0 || is.na(x[1])) return("null")
  json_quote(x[1])
}
json_arr <- function(x, f) paste0("[", paste(vapply(as.list(x), f, ""), collapse = ","), "]")
json_obj <- function(fields) {
  keep <- !vapply(fields, is.null, TRUE)
  paste0("{", paste0(json_quote(names(fields)[keep]), ":", unlist(fields[keep]), collapse = ","), "}")
}

elapsed <- function() as.numeric(Sys.time())  # microsecond resolution on Linux
# CPU seconds (user + system) of this R process: well below the wall time means the fit waited
cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }

peak_rss_mb <- function() {
  s <- tryCatch(readLines("/proc/self/status"), error = function(e) character())
  l <- grep("^VmHWM:", s, value = TRUE)
  if (length(l) == 0) return(NA_real_)
  as.numeric(gsub("[^0-9]", "", l)) / 1024
}

write_result <- function(fields) {
  text <- json_obj(fields)
  if (is.null(opt$out)) cat(text, "\n") else writeLines(text, opt$out)
}

fail <- function(msg) {
  write_result(list(engine = json_str(opt$engine), error = json_str(msg)))
  quit(status = 0)
}

# ---- data ---------------------------------------------------------------------------------
d <- tryCatch(read.csv(opt$data, stringsAsFactors = FALSE, na.strings = c("", "NA")),
              error = function(e) fail(paste("cannot read", opt$data, ":", conditionMessage(e))))
if (!is.null(opt$schema)) {
  if (!requireNamespace("jsonlite", quietly = TRUE)) fail("--schema needs the jsonlite package")
  if (is.null(opt$dataset)) fail("--schema needs --dataset")
  schema <- jsonlite::fromJSON(opt$schema, simplifyVector = FALSE)[[opt$dataset]]
  if (is.null(schema)) fail(paste("no entry", opt$dataset, "in", opt$schema))
  for (col in schema$columns) {
    if (identical(col$type, "factor")) d[[col$name]] <- factor(d[[col$name]], levels = unlist(col$levels))
  }
}
if (!is.null(opt$factors) && nzchar(opt$factors)) {
  for (name in strsplit(opt$factors, ",", fixed = TRUE)[[1]]) {
    if (is.null(d[[name]])) fail(paste("no column", name, "in", opt$data))
    d[[name]] <- factor(d[[name]])
  }
}

form <- as.formula(opt$formula)
family <- opt$family
reml <- as.logical(opt$reml)
engine <- opt$engine
fam <- switch(family, gaussian = gaussian(), binomial = binomial(), poisson = poisson(),
              fail(paste("unknown family", family)))

if (engine == "lme4") {
  if (!requireNamespace("lme4", quietly = TRUE)) fail("lme4 is not installed")
  suppressPackageStartupMessages(library(lme4))
} else if (engine == "glmmTMB") {
  if (!requireNamespace("glmmTMB", quietly = TRUE)) fail("glmmTMB is not installed")
  suppressPackageStartupMessages(library(glmmTMB))
} else fail(paste("unknown engine", engine))

# ---- one fit, timed -----------------------------------------------------------------------
warnings_seen <- character()
messages_seen <- character()
fit_call <- function() {
  if (engine == "lme4") {
    if (family == "gaussian") lmer(form, data = d, REML = reml) else glmer(form, data = d, family = fam)
  } else {
    glmmTMB(form, data = d, family = fam, REML = (family == "gaussian" && reml))
  }
}
timed_fit <- function() {
  invisible(gc(verbose = FALSE))
  w <- character(); msg <- character()
  c0 <- cpu()
  t0 <- elapsed()
  m <- withCallingHandlers(fit_call(),
    warning = function(c) { w <<- c(w, conditionMessage(c)); invokeRestart("muffleWarning") },
    message = function(c) { msg <<- c(msg, trimws(conditionMessage(c))); invokeRestart("muffleMessage") })
  t <- elapsed() - t0
  c <- cpu() - c0
  warnings_seen <<- unique(c(warnings_seen, w))
  messages_seen <<- unique(c(messages_seen, msg))
  list(model = m, seconds = t, cpu = c)
}

first <- tryCatch(timed_fit(), error = function(e) fail(paste("the fit failed:", conditionMessage(e))))
times <- first$seconds
cpu_times <- first$cpu
m <- first$model
runs <- if (opt$runs == "auto") {
  if (first$seconds < 1) 5L else if (first$seconds < 10) 3L else 1L
} else as.integer(opt$runs)
if (runs > 1) for (r in 2:runs) {
  again <- timed_fit()
  times <- c(times, again$seconds)
  cpu_times <- c(cpu_times, again$cpu)
  m <- again$model
}

# ---- what the fit reached -------------------------------------------------------------------
if (engine == "lme4") {
  objective <- if (family != "gaussian") -2 * as.numeric(logLik(m)) else if (reml) REMLcrit(m) else deviance(m)
  evaluations <- m@optinfo$feval
  if (is.null(evaluations)) evaluations <- NA
  theta <- getME(m, "theta")
  fixef_values <- fixef(m)
  conv <- m@optinfo$conv$opt
  sigma_value <- if (family == "gaussian") sigma(m) else NA
  nobs_value <- nobs(m)
  q_value <- nrow(getME(m, "Zt"))
  version <- as.character(packageVersion("lme4"))
} else {
  objective <- 2 * m$fit$objective
  evaluations <- unname(m$fit$evaluations[["function"]])
  theta <- m$fit$par[names(m$fit$par) == "theta"]
  fixef_values <- glmmTMB::fixef(m)$cond
  conv <- m$fit$convergence
  sigma_value <- if (family == "gaussian") sigma(m) else NA
  nobs_value <- nobs(m)
  q_value <- NA
  version <- as.character(packageVersion("glmmTMB"))
}

# ---- time per objective evaluation, at the optimum (lme4 only) ----------------------------
eval_seconds <- as.numeric(opt$eval.seconds)
eval_times <- numeric()
eval_count <- 0L
eval_cpu <- NA
eval_note <- NULL
if (engine == "lme4" && eval_seconds > 0) {
  res <- tryCatch({
    if (family == "gaussian") {
      devfun <- lmer(form, data = d, REML = reml, devFunOnly = TRUE)
      par <- getME(m, "theta")
    } else {
      # glmer's devFunOnly would run the whole first optimisation stage: build the second-stage
      # (theta, beta) deviance function directly, as glmer does
      glmod <- glFormula(form, data = d, family = fam)
      devfun <- do.call(mkGlmerDevfun, c(glmod, list(nAGQ = 0L)))
      devfun(getME(m, "theta"))
      devfun <- updateGlmerDevfun(devfun, glmod$reTrms, nAGQ = 1L)
      par <- c(getME(m, "theta"), fixef(m))
    }
    devfun(par)  # warm-up
    # batches of evaluations until about eval_seconds have passed (at least two evaluations);
    # the mean per evaluation is reported
    started <- elapsed()
    started_cpu <- cpu()
    count <- 0L
    batch <- 1L
    while (count < 2L || elapsed() - started < eval_seconds) {
      for (i in seq_len(batch)) devfun(par)
      count <- count + batch
      batch <- min(2L * batch, 1000L)
    }
    eval_times <- (elapsed() - started) / count
    eval_cpu <- (cpu() - started_cpu) / count
    eval_count <- count
    NULL
  }, error = function(e) paste("evaluation timing failed:", conditionMessage(e)))
  eval_note <- res
}

write_result(list(
  engine = json_str(engine),
  engine_version = json_str(version),
  r_version = json_str(R.version.string),
  blas = json_str(tryCatch(sessionInfo()$BLAS, error = function(e) NA)),
  openblas_num_threads = json_str(Sys.getenv("OPENBLAS_NUM_THREADS", "unset")),
  family = json_str(family),
  method = json_str(if (family == "gaussian") (if (reml) "REML" else "ML") else "Laplace"),
  nobs = json_num(nobs_value),
  q = json_num(q_value),
  objective = json_num(objective),
  evaluations = json_num(evaluations),
  fit_seconds = json_num(median(times)),
  fit_seconds_runs = json_arr(times, json_num),
  fit_cpu_seconds = json_num(median(cpu_times)),
  runs = json_num(length(times)),
  seconds_per_evaluation = json_num(if (length(eval_times)) eval_times else NA),
  cpu_seconds_per_evaluation = json_num(eval_cpu),
  evaluations_timed = json_num(eval_count),
  evaluation_note = if (is.null(eval_note)) NULL else json_str(eval_note),
  theta = json_arr(theta, json_num),
  fixef = json_arr(fixef_values, json_num),
  fixef_names = json_arr(names(fixef_values), json_str),
  sigma = json_num(sigma_value),
  convergence = json_str(paste(conv, collapse = " ")),
  warnings = json_arr(warnings_seen, json_str),
  messages = json_arr(messages_seen, json_str),
  peak_rss_mb = json_num(peak_rss_mb())
))

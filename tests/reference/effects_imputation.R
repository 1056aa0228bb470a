# Reference values for kneestudy.effects imputation (multiple_imputation,
# conditional_mean_imputation, tipping_point).
#
# 1. Conditional-mean imputation (Wolbers et al. 2022) under MAR, J2R, CR and
#    CIR, as matrix algebra written out here on the output of nlme::gls (the
#    MMRM: y ~ visit + visit:arm + visit:baseline, unstructured covariance,
#    REML), then lm(y ~ arm + baseline) at week 12; the jackknife standard
#    error by refitting gls without each participant (J2R and CIR).
#    Data: data/imputation_ice_*.csv (3 arms, withdrawals, intermittent gaps,
#    values seen after withdrawal, missing baselines).
# 2. Delta-adjusted multiple imputation with mice (method "norm", monotone
#    sequential regression, m = 1000, seed 20260503) and a post-processing
#    shift of the imputed week-12 values in the treatment arm, pooled by
#    Rubin's rules (mice::pool, Barnard-Rubin df). Data:
#    data/imputation_monotone_*.csv. Compared in the tests within Monte Carlo
#    error.
# Run from tests/reference/:  Rscript effects_imputation.R  -> effects_imputation.json
suppressPackageStartupMessages({library(nlme); library(mice); library(jsonlite)})

# optim (BFGS) with reltol 1e-14: nlminb ignores msTol and stops ~1e-8 short on the loglik
ctrl <- glsControl(maxIter = 200, msMaxIter = 2000, tolerance = 1e-12, msTol = 1e-14,
                   opt = "optim", optimMethod = "BFGS", returnObject = TRUE)

# ---------------------------------------------------------------------------
# 1. conditional-mean imputation
p <- read.csv("data/imputation_ice_participants.csv", stringsAsFactors = FALSE)
v <- read.csv("data/imputation_ice_visits.csv", stringsAsFactors = FALSE)
comparator <- "usual_care"
lev <- c(comparator, setdiff(unique(p$intervention), comparator))  # comparator first
base <- setNames(v$pain[v$week == 0], v$participant_id[v$week == 0])
p$baseline <- unname(base[p$participant_id])
p <- p[!is.na(p$baseline), ]
weeks <- sort(unique(v$week[v$week > 0 & !is.na(v$pain)]))
V <- length(weeks); n <- nrow(p); jw <- which(weeks == 12)
Y <- matrix(NA_real_, n, V)
for (k in seq_len(nrow(v))) {
  i <- match(v$participant_id[k], p$participant_id); j <- match(v$week[k], weeks)
  if (!is.na(i) && !is.na(j)) Y[i, j] <- v$pain[k]
}
arm <- factor(p$intervention, levels = lev)
# first visit after withdrawal (V + 1: none); withdrawal_week = last visit attended
ice <- ifelse(is.na(p$withdrawal_week), V + 1,
              sapply(p$withdrawal_week, function(w) sum(weeks <= w) + 1))
Zfor <- function(a) cbind(1, sapply(lev[-1], function(l) as.numeric(a == l)), p$baseline)

fit_gls <- function(rows, strategy) {
  # long data of the model fit: observed values, without post-withdrawal values of
  # participants to whom a reference-based strategy applies
  d <- do.call(rbind, lapply(rows, function(i) {
    j <- which(!is.na(Y[i, ]))
    if (strategy[i] != "MAR") j <- j[j < ice[i]]
    if (length(j) == 0) return(NULL)
    data.frame(id = p$participant_id[i], visit = factor(weeks[j], levels = weeks),
               vi = j, y = Y[i, j], arm = arm[i], baseline = p$baseline[i])
  }))
  assign("dd", d, envir = globalenv())
  f <- gls(y ~ visit + visit:arm + visit:baseline, data = dd,
           correlation = corSymm(form = ~ vi | id), weights = varIdent(form = ~ 1 | visit),
           method = "REML", control = ctrl)
  b <- coef(f)
  # B (q x V): rows intercept, arm dummies (lev[-1]), baseline; columns visits
  B <- matrix(0, 2 + length(lev) - 1, V)
  for (j in seq_len(V)) {
    B[1, j] <- b["(Intercept)"] + if (j > 1) b[paste0("visit", weeks[j])] else 0
    for (a in seq_along(lev)[-1]) B[a, j] <- b[paste0("visit", weeks[j], ":arm", lev[a])]
    B[nrow(B), j] <- b[paste0("visit", weeks[j], ":baseline")]
  }
  cs <- f$modelStruct$corStruct
  R <- corMatrix(cs)[[which.max(sapply(corMatrix(cs), nrow))]]
  sdr <- coef(f$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)
  sdr <- sdr[as.character(weeks)]
  S <- f$sigma^2 * R * outer(sdr, sdr)
  list(B = B, Sigma = unname(S), loglik = as.numeric(logLik(f)))
}

strategy_means <- function(B, strategy) {
  own <- Zfor(arm) %*% B
  ref <- Zfor(factor(rep(comparator, n), levels = lev)) %*% B
  M <- own
  for (i in seq_len(n)) {
    if (strategy[i] == "MAR" || ice[i] > V) next
    post <- seq_len(V) >= ice[i]
    if (strategy[i] == "J2R") M[i, post] <- ref[i, post]
    if (strategy[i] == "CR") M[i, ] <- ref[i, ]
    if (strategy[i] == "CIR") {
      k <- ice[i] - 1
      M[i, post] <- if (k == 0) ref[i, post] else own[i, k] + ref[i, post] - ref[i, k]
    }
  }
  M
}

cond_mean <- function(B, S, strategy, rows = seq_len(n)) {
  M <- strategy_means(B, strategy)
  y <- Y[, jw]
  for (i in rows) {
    if (!is.na(Y[i, jw])) next
    o <- which(!is.na(Y[i, ]))   # every value seen, after withdrawal too
    y[i] <- M[i, jw] + if (length(o)) S[jw, o, drop = FALSE] %*% solve(S[o, o], Y[i, o] - M[i, o]) else 0
  }
  y
}

ancova <- function(y, rows = seq_len(n)) {
  dd <- data.frame(y = y[rows], arm = arm[rows], baseline = p$baseline[rows])
  unname(coef(lm(y ~ arm + baseline, data = dd))[2:length(lev)])
}

condmean <- list(ids = p$participant_id, levels = lev, weeks = weeks)
for (method in c("MAR", "J2R", "CR", "CIR")) {
  strategy <- ifelse(ice <= V & arm != comparator, method, "MAR")
  f <- fit_gls(seq_len(n), strategy)
  y <- cond_mean(f$B, f$Sigma, strategy)
  out <- list(B = f$B, Sigma = f$Sigma, loglik = f$loglik, completed = y, estimate = ancova(y),
              strategy_means_jw = strategy_means(f$B, strategy)[, jw])
  if (method %in% c("J2R", "CIR")) {
    jack <- t(sapply(seq_len(n), function(i) {
      fi <- fit_gls(setdiff(seq_len(n), i), strategy)
      ancova(cond_mean(fi$B, fi$Sigma, strategy, setdiff(seq_len(n), i)), setdiff(seq_len(n), i))
    }))
    out$jackknife <- jack
    out$se <- apply(jack, 2, function(th) sqrt((n - 1) / n * sum((th - mean(th))^2)))
  }
  condmean[[method]] <- out
}

# ---------------------------------------------------------------------------
# 2. mice, monotone sequential regression, post-processing shift
pm <- read.csv("data/imputation_monotone_participants.csv", stringsAsFactors = FALSE)
vm <- read.csv("data/imputation_monotone_visits.csv", stringsAsFactors = FALSE)
wk <- c(2, 4, 8, 12)
w <- data.frame(baseline = vm$pain[vm$week == 0][match(pm$participant_id, vm$participant_id[vm$week == 0])],
                arm = as.numeric(pm$intervention == "glute_strengthening"))
for (k in wk) {
  s <- vm[vm$week == k, ]
  w[[paste0("y", k)]] <- s$pain[match(pm$participant_id, s$participant_id)]
}
meth <- c(baseline = "", arm = "", y2 = "", y4 = "norm", y8 = "norm", y12 = "norm")
pred <- matrix(0, 6, 6, dimnames = list(names(w), names(w)))
pred["y4", c("baseline", "arm", "y2")] <- 1
pred["y8", c("baseline", "arm", "y2", "y4")] <- 1
pred["y12", c("baseline", "arm", "y2", "y4", "y8")] <- 1
M_IMP <- 1000
deltas <- c(0, 0.5, 1, 1.5, 2, 3)
mice_out <- list(deltas = deltas, m = M_IMP, seed = 20260503, estimate = c(), se = c(), df = c(),
                 b = c(), ubar = c(), n_missing_treatment = sum(is.na(w$y12) & w$arm == 1))
for (delta in deltas) {
  post <- setNames(rep("", 6), names(w))
  post["y12"] <- sprintf(
    "imp[[j]][data$arm[where[, j]] == 1, i] <- imp[[j]][data$arm[where[, j]] == 1, i] + %s", delta)
  imp <- mice(w, m = M_IMP, method = meth, predictorMatrix = pred, visitSequence = c("y4", "y8", "y12"),
              maxit = 1, post = post, seed = 20260503, printFlag = FALSE)
  pl <- pool(with(imp, lm(y12 ~ arm + baseline)))
  r <- pl$pooled[pl$pooled$term == "arm", ]
  mice_out$estimate <- c(mice_out$estimate, r$estimate)
  mice_out$se <- c(mice_out$se, sqrt(r$t))
  mice_out$df <- c(mice_out$df, r$df)
  mice_out$b <- c(mice_out$b, r$b)
  mice_out$ubar <- c(mice_out$ubar, r$ubar)
}

out <- list(condmean = condmean, mice = mice_out,
            versions = list(R = R.version.string, nlme = as.character(packageVersion("nlme")),
                            mice = as.character(packageVersion("mice"))))
write_json(out, "effects_imputation.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           matrix = "rowmajor", na = "null")

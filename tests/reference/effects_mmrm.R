# MMRM reference values: nlme::gls (REML) estimates and SEs, emmeans
# Satterthwaite df, for every covariance structure kneestudy offers.
# Run from tests/reference/:  Rscript effects_mmrm.R  -> effects_mmrm.json
suppressPackageStartupMessages({library(nlme); library(emmeans); library(jsonlite)})

load_long <- function(name, comparator) {
  p <- read.csv(file.path("data", paste0(name, "_participants.csv")), stringsAsFactors = FALSE)
  v <- read.csv(file.path("data", paste0(name, "_visits.csv")), stringsAsFactors = FALSE)
  base <- v[v$week == 0, c("participant_id", "pain")]
  names(base)[2] <- "baseline"
  d <- merge(merge(v, p, by = "participant_id"), base, by = "participant_id")
  d <- d[d$week > 0 & !is.na(d$pain) & !is.na(d$baseline), ]
  d <- d[order(d$participant_id, d$week), ]
  others <- setdiff(unique(p$intervention), comparator)
  d$arm <- factor(d$intervention, levels = c(comparator, others))
  d$visit <- factor(d$week)
  d$id <- d$participant_id
  d$y <- d$pain
  d
}

fit_one <- function(d, structure) {
  # The gls call is written out in full and evaluated at top level, so that
  # emmeans can refit it with perturbed covariance parameters (its numerical
  # Satterthwaite gradient) and so that the JSON records the exact call.
  assign("dd", d, envir = globalenv())
  V <- nlevels(d$visit)
  het <- "weights = varIdent(form = ~ 1 | visit), "
  cor <- switch(sub("_het$", "", structure),
    unstructured = "correlation = corSymm(form = ~ as.integer(visit) | id), ",
    toeplitz = sprintf("correlation = corARMA(form = ~ as.integer(visit) | id, p = %d), ", V - 1),
    ar1 = "correlation = corAR1(form = ~ as.integer(visit) | id), ",
    cs = "correlation = corCompSymm(form = ~ 1 | id), ")
  w <- if (structure == "unstructured" || grepl("_het$", structure)) het else ""
  txt <- paste0("gls(y ~ visit + visit:arm + visit:baseline, data = dd, ", cor, w,
                "method = \"REML\", na.action = na.omit)")
  fit <- eval(parse(text = txt), envir = globalenv())
  emm <- emmeans(fit, ~ arm | visit, mode = "satterthwaite")
  lsm <- as.data.frame(summary(emm))
  con <- as.data.frame(summary(contrast(emm, "trt.vs.ctrl", ref = 1), adjust = "none"))
  # Exact Satterthwaite df by hand: nu = 2 v^2 / (g' A g), v = l' Var(beta) l,
  # A = fit$apVar (nlme's inverse observed information of the covariance
  # parameters and log sigma), g the gradient of v in those parameters with
  # sigma held as a parameter (d/dlog sigma = 2 v). emmeans (gls_grad) differs
  # only in differentiating along the profiled sigma(theta), an approximation.
  obj <- fit$modelStruct
  conLin <- fit
  class(conLin) <- class(obj)
  X <- model.matrix(y ~ visit + visit:arm + visit:baseline, data = dd)
  conLin$Xy <- cbind(X, dd$y)
  conLin$fixedSigma <- FALSE
  vb <- function(x) {
    o <- nlme::`coef<-`(obj, value = x)
    tmp <- nlme::glsEstimate(o, conLin)
    c(crossprod(fit$sigma * tmp$varBeta))
  }
  J <- numDeriv::jacobian(vb, coef(obj))
  Vb <- vcov(fit)
  # A: inverse of minus the Hessian (numDeriv, Richardson extrapolation) of the
  # full REML log-likelihood in (coef(modelStruct), log sigma); nlme's own
  # apVar comes from a coarser finite-difference Hessian, and for corSymm in
  # a different parameterisation.
  Np <- fit$dims$N - fit$dims$p
  full_ll <- function(par) {
    # REML log-likelihood written out: Sigma_i = sigma^2 D_i^-1 R_i D_i^-1
    o <- nlme::`coef<-`(obj, value = par[-length(par)])
    s2 <- exp(2 * par[length(par)])
    Rl <- corMatrix(o$corStruct)
    w <- if (is.null(o$varStruct)) rep(1, nrow(dd)) else varWeights(o$varStruct)
    XtWX <- 0; XtWy <- 0; yWy <- 0; ld <- 0
    for (g in names(Rl)) {
      i <- which(dd$id == g)
      Ri <- as.matrix(Rl[[g]])
      Si <- s2 * Ri / outer(w[i], w[i])
      Wi <- solve(Si)
      Xi <- X[i, , drop = FALSE]
      XtWX <- XtWX + t(Xi) %*% Wi %*% Xi
      XtWy <- XtWy + t(Xi) %*% Wi %*% dd$y[i]
      yWy <- yWy + drop(t(dd$y[i]) %*% Wi %*% dd$y[i])
      ld <- ld + as.numeric(determinant(Si)$modulus)
    }
    b <- solve(XtWX, XtWy)
    -0.5 * (Np * log(2 * pi) + ld + as.numeric(determinant(XtWX)$modulus) + yWy - sum(b * XtWy))
  }
  par0 <- c(coef(obj), log(fit$sigma))
  ll_check <- full_ll(par0) - as.numeric(logLik(fit))
  A <- solve(-numDeriv::hessian(full_ll, par0))
  sat <- function(l) {
    v <- drop(t(l) %*% Vb %*% l)
    g <- c(apply(J, 2, function(col) drop(t(l) %*% matrix(col, nrow(Vb)) %*% l)), 2 * v)
    2 * v^2 / drop(t(g) %*% A %*% g)
  }
  nm <- names(coef(fit))
  lev <- levels(dd$arm)
  wk <- levels(dd$visit)
  eff_df <- c(); ls_df <- c()
  for (a in lev[-1]) for (w in wk) {
    l <- as.numeric(nm == paste0("visit", w, ":arm", a)); eff_df <- c(eff_df, sat(l))
  }
  bbar <- mean(dd$baseline)
  for (a in lev) for (w in wk) {
    l <- as.numeric(nm == "(Intercept)") + as.numeric(nm == paste0("visit", w)) +
      as.numeric(nm == paste0("visit", w, ":arm", a)) + bbar * as.numeric(nm == paste0("visit", w, ":baseline"))
    ls_df <- c(ls_df, sat(l))
  }
  list(
    call = txt,
    ll_check = ll_check,
    effects_df_exact = eff_df,
    lsmeans_df_exact = ls_df,
    apvar_ok = max(abs(coef(fit$modelStruct) - attr(fit$apVar, "Pars")[-length(attr(fit$apVar, "Pars"))])) < 1e-3,
    coef = unname(coef(fit)), coef_names = names(coef(fit)),
    se = unname(sqrt(diag(vcov(fit)))),
    loglik = as.numeric(logLik(fit)),
    sigma = unname(getVarCov(fit, individual = d$id[which.max(table(d$id)[d$id])])[, ]),
    baseline_mean = mean(d$baseline),
    lsmeans = data.frame(week = as.numeric(as.character(lsm$visit)), arm = as.character(lsm$arm),
                         estimate = lsm$emmean, se = lsm$SE, df = lsm$df),
    effects = data.frame(week = as.numeric(as.character(con$visit)), contrast = as.character(con$contrast),
                         estimate = con$estimate, se = con$SE, df = con$df)
  )
}

out <- list()
sets <- list(effects_two_arm = "usual_care", effects_dropout = "usual_care")
for (name in names(sets)) {
  d <- load_long(name, sets[[name]])
  out[[name]] <- list()
  for (s in c("unstructured", "toeplitz", "toeplitz_het", "ar1", "ar1_het", "cs", "cs_het")) {
    out[[name]][[s]] <- fit_one(d, s)
  }
}
out$versions <- list(R = R.version.string, nlme = as.character(packageVersion("nlme")),
                     emmeans = as.character(packageVersion("emmeans")))
write_json(out, "effects_mmrm.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

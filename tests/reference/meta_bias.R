# Reference values for kneestudy.meta.bias: metafor regtest() (Egger's test,
# models rma and lm, predictors sei and vi) and trimfill() (L0, R0, Q0).
# Run from tests/reference: Rscript meta_bias.R -> meta_bias.json
source("meta_datasets.R")
data <- meta_datasets()
data$bcg_small <- NULL  # k = 3 is too few for these methods to say anything
reg <- list()
tf <- list()
for (dn in names(data)) {
  d <- data[[dn]]
  for (m in c("FE", "DL", "REML", "PM")) {
    for (test in c("z", "knha")) {
      res <- suppressWarnings(rma(d$yi, d$vi, method = m, test = test))
      for (pred in c("sei", "vi")) {
        r <- regtest(res, predictor = pred)
        reg[[length(reg) + 1]] <- list(data = dn, method = m, test = test, model = "rma",
          predictor = pred, zval = r$zval, pval = r$pval, ddf = r$ddf,
          slope = as.numeric(r$fit$beta[2]), slope_se = r$fit$se[2],
          est = as.numeric(r$est), ci_lb = r$ci.lb, ci_ub = r$ci.ub)
      }
    }
    res <- suppressWarnings(rma(d$yi, d$vi, method = m))
    for (est in c("L0", "R0", "Q0")) {
      r <- try(suppressWarnings(trimfill(res, estimator = est)), silent = TRUE)
      if (inherits(r, "try-error")) next
      filled <- r$fill
      tf[[length(tf) + 1]] <- list(data = dn, method = m, estimator = est, k0 = r$k0,
        se_k0 = r$se.k0, p_k0 = r$p.k0, side = r$side, estimate = as.numeric(r$beta),
        se = r$se, ci_lb = r$ci.lb, ci_ub = r$ci.ub, pval = r$pval, tau2 = r$tau2,
        yi_fill = as.numeric(r$yi[filled]), vi_fill = as.numeric(r$vi[filled]))
    }
  }
  for (pred in c("sei", "vi")) {
    r <- regtest(d$yi, d$vi, model = "lm", predictor = pred)
    reg[[length(reg) + 1]] <- list(data = dn, method = "FE", test = "z", model = "lm",
      predictor = pred, zval = r$zval, pval = r$pval, ddf = r$ddf,
      slope = coef(r$fit)[2], slope_se = coef(summary(r$fit))[2, 2],
      est = as.numeric(r$est), ci_lb = r$ci.lb, ci_ub = r$ci.ub)
  }
}
# an explicitly given side
res <- rma(data$bcg$yi, data$bcg$vi)
for (sd in c("left", "right")) {
  r <- trimfill(res, side = sd)
  tf[[length(tf) + 1]] <- list(data = "bcg", method = "REML", estimator = "L0", side_given = sd,
    k0 = r$k0, se_k0 = r$se.k0, p_k0 = r$p.k0, side = r$side, estimate = as.numeric(r$beta),
    se = r$se, ci_lb = r$ci.lb, ci_ub = r$ci.ub, pval = r$pval, tau2 = r$tau2,
    yi_fill = as.numeric(r$yi[r$fill]), vi_fill = as.numeric(r$vi[r$fill]))
}
write_reference(list(metafor = as.character(packageVersion("metafor")), datasets = data,
                     regtest = reg, trimfill = tf), "meta_bias.json")

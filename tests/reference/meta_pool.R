# Reference values for kneestudy.meta.pool: metafor rma(), confint(), predict(),
# weights() on several data sets, every tau^2 estimator, with and without the
# Hartung-Knapp-Sidik-Jonkman adjustment (test = "knha").
# Run from tests/reference: Rscript meta_pool.R  -> meta_pool.json
source("meta_datasets.R")
data <- meta_datasets()
methods <- c("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")
fits <- list()
for (dn in names(data)) {
  d <- data[[dn]]
  for (m in methods) {
    for (test in c("z", "knha")) {
      res <- try(suppressWarnings(rma(d$yi, d$vi, method = m, test = test)), silent = TRUE)
      if (inherits(res, "try-error")) next
      ci <- if (m == "FE") c(NA, NA) else {
        cc <- suppressWarnings(confint(res))$random
        c(cc["tau^2", "ci.lb"], cc["tau^2", "ci.ub"])
      }
      pr <- predict(res)
      fits[[length(fits) + 1]] <- list(
        data = dn, method = m, test = test,
        estimate = as.numeric(res$beta), se = res$se, zval = res$zval, pval = res$pval,
        ci_lb = res$ci.lb, ci_ub = res$ci.ub, tau2 = res$tau2, se_tau2 = res$se.tau2,
        tau2_ci_lb = ci[1], tau2_ci_ub = ci[2], I2 = res$I2, H2 = res$H2,
        QE = res$QE, QEp = res$QEp, pi_lb = pr$pi.lb, pi_ub = pr$pi.ub,
        weights = as.numeric(weights(res)))
    }
  }
}
write_reference(list(metafor = as.character(packageVersion("metafor")),
                     datasets = data, fits = fits), "meta_pool.json")

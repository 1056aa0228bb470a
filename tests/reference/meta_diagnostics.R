# Reference values for kneestudy.meta.diagnostics: metafor leave1out() and
# influence() on the shared data sets, several methods, with and without HKSJ.
# Run from tests/reference: Rscript meta_diagnostics.R -> meta_diagnostics.json
source("meta_datasets.R")
data <- meta_datasets()
out <- list()
for (dn in names(data)) {
  d <- data[[dn]]
  for (m in c("FE", "DL", "REML", "PM")) {
    for (test in c("z", "knha")) {
      res <- suppressWarnings(rma(d$yi, d$vi, method = m, test = test))
      l1 <- suppressWarnings(leave1out(res))
      inf <- suppressWarnings(influence(res))
      out[[length(out) + 1]] <- list(
        data = dn, method = m, test = test,
        leave1out = list(estimate = l1$estimate, se = l1$se,
                         zval = if (is.null(l1$zval)) l1$tval else l1$zval, pval = l1$pval,
                         ci_lb = l1$ci.lb, ci_ub = l1$ci.ub, Q = l1$Q, Qp = l1$Qp,
                         tau2 = if (is.null(l1$tau2)) rep(0, length(l1$estimate)) else l1$tau2, I2 = l1$I2, H2 = l1$H2),
        influence = list(rstudent = inf$inf$rstudent, dffits = inf$inf$dffits,
                         cook_d = inf$inf$cook.d, cov_r = inf$inf$cov.r,
                         tau2_del = inf$inf$tau2.del, QE_del = inf$inf$QE.del,
                         hat = inf$inf$hat, weight = inf$inf$weight,
                         dfbetas = inf$dfbs$intrcpt, is_infl = inf$is.infl))
    }
  }
}
write_reference(list(metafor = as.character(packageVersion("metafor")), datasets = data,
                     fits = out), "meta_diagnostics.json")

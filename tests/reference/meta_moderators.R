# Reference values for kneestudy.meta.moderators: metafor rma(mods = ) meta-
# regression and subgroup analyses (separate rma per subgroup, the fixed-effect
# test of subgroup differences, and the common-tau^2 QM of rma(mods = ~ factor(g))).
# Run from tests/reference: Rscript meta_moderators.R -> meta_moderators.json
source("meta_datasets.R")
data <- meta_datasets()
specs <- list(
  list(data = "bcg", mods = c("ablat")),
  list(data = "bcg", mods = c("ablat", "year")),
  list(data = "bcg", mods = c("alloc")),
  list(data = "bangertdrowns", mods = c("length", "wic", "feedback", "info", "imag", "meta")),
  list(data = "bangertdrowns", mods = c("grade", "length")),
  list(data = "molloy", mods = c("meanage", "quality"))
)
metareg <- list()
for (s in specs) {
  d <- data[[s$data]]
  df <- as.data.frame(d[c("yi", "vi", s$mods)])
  f <- as.formula(paste("~", paste(s$mods, collapse = " + ")))
  for (m in c("FE", "DL", "REML", "ML", "PM", "SJ", "HE", "EB")) {
    for (test in c("z", "knha")) {
      res <- try(suppressWarnings(rma(yi, vi, mods = f, data = df, method = m, test = test)),
                 silent = TRUE)
      if (inherits(res, "try-error")) next
      metareg[[length(metareg) + 1]] <- list(
        data = s$data, mods = s$mods, method = m, test = test,
        terms = rownames(res$beta), beta = as.numeric(res$beta), se = res$se,
        zval = res$zval, pval = res$pval, ci_lb = res$ci.lb, ci_ub = res$ci.ub,
        QM = res$QM, QMdf = res$QMdf, QMp = res$QMp, QE = res$QE, QEp = res$QEp,
        tau2 = res$tau2, se_tau2 = res$se.tau2, I2 = res$I2, H2 = res$H2,
        R2 = if (is.null(res$R2)) NA else res$R2)
    }
  }
}
gspecs <- list(list(data = "bcg", g = "alloc"), list(data = "normand_md", g = "source"),
               list(data = "molloy", g = "design"), list(data = "bangertdrowns", g = "grade"),
               list(data = "hackshaw", g = "design"))
subgroups <- list()
for (s in gspecs) {
  d <- data[[s$data]]
  g <- factor(d[[s$g]])
  for (m in c("FE", "DL", "REML", "PM")) {
    for (test in c("z", "knha")) {
      per <- lapply(levels(g), function(lv) {
        r <- suppressWarnings(rma(d$yi[g == lv], d$vi[g == lv], method = m, test = test))
        list(group = lv, k = r$k, estimate = as.numeric(r$beta), se = r$se, ci_lb = r$ci.lb,
             ci_ub = r$ci.ub, pval = r$pval, tau2 = r$tau2, I2 = r$I2, QE = r$QE)
      })
      est <- sapply(per, `[[`, "estimate"); se <- sapply(per, `[[`, "se")
      qb <- rma(est, se^2, method = "FE")
      mr <- try(suppressWarnings(rma(d$yi, d$vi, mods = ~ g, method = m, test = test)),
                silent = TRUE)
      if (inherits(mr, "try-error")) mr <- list(QM = NA, QMp = NA, tau2 = NA)
      subgroups[[length(subgroups) + 1]] <- list(
        data = s$data, groups = s$g, method = m, test = test, per = per,
        Qb = qb$QE, Qbp = qb$QEp, QM = mr$QM, QMp = mr$QMp, tau2_common = mr$tau2)
    }
  }
}
write_reference(list(metafor = as.character(packageVersion("metafor")), datasets = data,
                     metareg = metareg, subgroup = subgroups), "meta_moderators.json")

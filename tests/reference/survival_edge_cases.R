# Reference values for three survival edge cases, for kneestudy.survival:
#  1. Kaplan-Meier with non-integer case weights: survfit switches to the robust
#     (infinitesimal-jackknife) variance (survfitKM: has.rwt -> robust = TRUE);
#  2. survreg drops an uninformative interval (0, Inf) -- Surv(NA, NA, "interval2")
#     is missing -- and fits the rest;
#  3. coxph with a factor whose levels are not in alphabetical order (the
#     schema's order of a categorical column is kept, as R keeps factor levels).
# Run from tests/reference/:  Rscript survival_edge_cases.R  -> survival_edge_cases.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})

lung <- read.csv("data/survival_lung.csv")
vet <- read.csv("data/survival_veteran.csv")
icd <- read.csv("data/survival_interval.csv")

# 1. Non-integer weights (e.g. inverse probability weights), by sex, log-log and log CIs.
lung$w <- 0.5 + (seq_len(nrow(lung)) %% 7) / 4
km_w <- function(formula, conf.type) {
  fit <- survfit(formula, data = lung, weights = w, conf.type = conf.type)
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep("", length(s$time)) else sub(".*=", "", as.character(s$strata))
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  list(weights = lung$w,
       table = data.frame(group = strata, time = s$time, at_risk = s$n.risk, events = s$n.event,
                          survival = s$surv, se = s$std.err, ci_low = s$lower, ci_high = s$upper),
       median = data.frame(median = unname(tab[, "median"]), ci_low = unname(tab[, "0.95LCL"]),
                           ci_high = unname(tab[, "0.95UCL"])),
       logse = fit$logse)
}
km <- list(lung_sex_loglog = km_w(Surv(time, status) ~ sex, "log-log"),
           lung_log = km_w(Surv(time, status) ~ 1, "log"))
# The robust variance is also what survfit(robust = TRUE) gives without weights.
f <- survfit(Surv(time, status) ~ 1, data = lung, robust = TRUE)
km$lung_unweighted_robust <- list(time = f$time, se = f$std.err)

# 2. Two uninformative intervals added to the interval-censored data set.
icd$left0 <- ifelse(icd$left == 0, NA, icd$left)
extra <- data.frame(left = c(0, 0), right = c(NA, NA), arm = c(0, 1), left0 = c(NA, NA))
d2 <- rbind(icd, extra)
wb <- survreg(Surv(left0, right, type = "interval2") ~ arm, data = d2, dist = "weibull")
weibull <- list(n_rows = nrow(d2), n_used = wb$df.residual + length(coef(wb)) + 1,
                n_deleted = length(wb$na.action), coef = unname(coef(wb)),
                log_scale = log(wb$scale), loglik = unname(wb$loglik[2]))

# 3. Cell type with levels in a declared (non-alphabetical) order.
vet$celltype <- factor(vet$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
cx <- coxph(Surv(time, status) ~ trt + celltype + karno, data = vet)
zp <- cox.zph(cx, transform = "km")
cox <- list(levels = levels(vet$celltype), names = names(coef(cx)), coef = unname(coef(cx)),
            se = unname(sqrt(diag(vcov(cx)))), zph_chisq = unname(zp$table[, "chisq"]),
            zph_terms = rownames(zp$table))

out <- list(km = km, weibull = weibull, cox = cox,
            versions = list(R = R.version.string, survival = as.character(packageVersion("survival"))))
write_json(out, "survival_edge_cases.json", digits = NA, auto_unbox = TRUE, pretty = TRUE,
           na = "null")

# Reference values for kneestudy.survival from R's survival package (3.5.x).
# Run from tests/reference/:  Rscript survival_reference.R
# Writes survival_reference.json and the data files data/survival_*.csv.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

# --- data sets (R's own, exported so the Python tests read the same rows) ---
lung2 <- lung[complete.cases(lung[, c("time", "status", "age", "sex", "ph.ecog")]),
              c("time", "status", "age", "sex", "ph.ecog")]
lung2$status <- as.integer(lung2$status == 2)          # 1 = death
names(lung2)[names(lung2) == "ph.ecog"] <- "ph_ecog"
vet <- veteran[, c("time", "status", "trt", "celltype", "karno", "age")]
vet$celltype <- as.character(vet$celltype)
aml2 <- data.frame(time = aml$time, status = aml$status,
                   x = as.character(aml$x))
ova <- ovarian[, c("futime", "fustat", "age", "rx", "resid.ds", "ecog.ps")]
names(ova) <- c("time", "status", "age", "rx", "resid_ds", "ecog_ps")

# Interval-censored visit data: event time Weibull, seen only at visit weeks.
set.seed(20261123)
n <- 160
arm <- rep(c(0L, 1L), each = n / 2)
true_t <- rweibull(n, shape = 1.4, scale = ifelse(arm == 1, 8, 12))
visits <- c(0, 2, 4, 6, 8, 12, 16, 24)
last_visit <- sample(c(8, 12, 16, 24), n, replace = TRUE, prob = c(.1, .15, .15, .6))
left <- right <- numeric(n)
for (i in seq_len(n)) {
  vv <- visits[visits <= last_visit[i]]
  if (true_t[i] > last_visit[i]) {
    left[i] <- last_visit[i]; right[i] <- NA
  } else {
    k <- which(vv >= true_t[i])[1]
    left[i] <- vv[k - 1]; right[i] <- vv[k]
  }
}
icd <- data.frame(left = left, right = right, arm = arm)

write.csv(lung2, "data/survival_lung.csv", row.names = FALSE)
write.csv(vet, "data/survival_veteran.csv", row.names = FALSE)
write.csv(aml2, "data/survival_aml.csv", row.names = FALSE)
write.csv(ova, "data/survival_ovarian.csv", row.names = FALSE)
write.csv(icd, "data/survival_interval.csv", row.names = FALSE, na = "")

# --- Kaplan-Meier ----------------------------------------------------------
km_ref <- function(formula, data, conf.type, weighted = FALSE, times) {
  fit <- if (!weighted) survfit(formula, data = data, conf.type = conf.type)
         else survfit(formula, data = data, conf.type = conf.type, weights = w)
  s <- summary(fit, censored = TRUE)
  strata <- if (is.null(s$strata)) rep("", length(s$time)) else sub(".*=", "", as.character(s$strata))
  tab <- summary(fit)$table
  if (is.null(dim(tab))) tab <- t(as.matrix(tab))
  st <- summary(fit, times = times, extend = TRUE)
  st_strata <- if (is.null(st$strata)) rep("", length(st$time)) else sub(".*=", "", as.character(st$strata))
  list(
    table = data.frame(group = strata, time = s$time, at_risk = s$n.risk,
                       events = s$n.event, censored = s$n.censor, survival = s$surv,
                       se = s$std.err, ci_low = s$lower, ci_high = s$upper),
    median = data.frame(group = if (is.null(fit$strata)) "" else sub(".*=", "", rownames(tab)),
                        median = unname(tab[, "median"]),
                        ci_low = unname(tab[, "0.95LCL"]), ci_high = unname(tab[, "0.95UCL"])),
    at = data.frame(group = st_strata, time = st$time, at_risk = st$n.risk,
                    survival = st$surv, se = st$std.err, ci_low = st$lower,
                    ci_high = st$upper)
  )
}
km <- list()
for (ct in c("log-log", "log", "plain")) {
  km[[paste0("lung_sex_", ct)]] <- km_ref(Surv(time, status) ~ sex, lung2, ct, times = c(0, 100, 365, 500))
  km[[paste0("aml_", ct)]] <- km_ref(Surv(time, status) ~ x, aml2, ct, times = c(5, 20, 40))
  km[[paste0("veteran_", ct)]] <- km_ref(Surv(time, status) ~ 1, vet, ct, times = c(30, 100, 500))
}
# Case weights (integers so that the meaning is unambiguous).
lung2$w <- (seq_len(nrow(lung2)) %% 3) + 1
km[["lung_weighted_log-log"]] <- km_ref(Surv(time, status) ~ 1, lung2, "log-log", weighted = TRUE, times = c(100, 365))
# All censored: median not reached.
km[["ovarian_rx_log-log"]] <- km_ref(Surv(time, status) ~ rx, ova, "log-log", times = c(100, 500))

# Edge cases: the curve reaching 0 (last time an event), and a first time with
# only censoring (S = 1: the log-log interval is undefined, R gives NA).
km[["tiny_zero_log-log"]] <- km_ref(Surv(time, status) ~ 1,
  data.frame(time = c(1, 2, 2, 3), status = c(1, 0, 1, 1)), "log-log", times = c(0.5, 2, 5))
km[["tiny_start_log-log"]] <- km_ref(Surv(time, status) ~ 1,
  data.frame(time = c(1, 2, 3, 4), status = c(0, 1, 1, 0)), "log-log", times = c(0.5, 1, 5))

# --- log-rank ---------------------------------------------------------------
lr_ref <- function(fit) {
  df <- sum(fit$exp > 0) - 1
  if (!is.null(dim(fit$obs))) { obs <- rowSums(fit$obs); exp <- rowSums(fit$exp) } else { obs <- fit$obs; exp <- fit$exp }
  list(chisq = fit$chisq, df = length(obs) - 1, p = pchisq(fit$chisq, length(obs) - 1, lower.tail = FALSE),
       observed = obs, expected = exp, var = fit$var,
       groups = sub(".*=", "", names(fit$n)))
}
lr <- list(
  lung_sex = lr_ref(survdiff(Surv(time, status) ~ sex, lung2)),
  lung_sex_rho1 = lr_ref(survdiff(Surv(time, status) ~ sex, lung2, rho = 1)),
  veteran_celltype = lr_ref(survdiff(Surv(time, status) ~ celltype, vet)),
  veteran_trt_strata = lr_ref(survdiff(Surv(time, status) ~ trt + strata(celltype), vet)),
  veteran_trt_strata_rho05 = lr_ref(survdiff(Surv(time, status) ~ trt + strata(celltype), vet, rho = 0.5)),
  aml_x = lr_ref(survdiff(Surv(time, status) ~ x, aml2))
)

# --- Cox --------------------------------------------------------------------
cox_ref <- function(fit) {
  s <- summary(fit)
  zp <- cox.zph(fit, transform = "km", terms = TRUE, global = TRUE)
  list(coef = unname(coef(fit)), names = names(coef(fit)),
       se = unname(sqrt(diag(vcov(fit)))), z = unname(s$coefficients[, "z"]),
       p = unname(s$coefficients[, "Pr(>|z|)"]),
       ci_low = unname(s$conf.int[, "lower .95"]), ci_high = unname(s$conf.int[, "upper .95"]),
       loglik = unname(fit$loglik), concordance = unname(fit$concordance["concordance"]),
       concordance_se = unname(sqrt(fit$concordance["var"])),
       vcov = unname(vcov(fit)),
       zph = data.frame(term = rownames(zp$table), chisq = unname(zp$table[, "chisq"]),
                        df = unname(zp$table[, "df"]), p = unname(zp$table[, "p"])))
}
cx <- list(
  lung_efron = cox_ref(coxph(Surv(time, status) ~ age + sex + ph_ecog, lung2, ties = "efron")),
  lung_breslow = cox_ref(coxph(Surv(time, status) ~ age + sex + ph_ecog, lung2, ties = "breslow")),
  veteran_strata = cox_ref(coxph(Surv(time, status) ~ trt + karno + age + strata(celltype), vet)),
  veteran_factor = cox_ref(coxph(Surv(time, status) ~ trt + factor(celltype) + karno, vet)),
  ovarian = cox_ref(coxph(Surv(time, status) ~ age + rx + ecog_ps, ova)),
  aml = cox_ref(coxph(Surv(time, status) ~ I(as.integer(x == "Nonmaintained")), aml2))
)

# --- restricted mean --------------------------------------------------------
# survRM2::rmst2 is not installed; its rmst1() formula by hand.
rmst1 <- function(time, status, tau, alpha = 0.05) {
  ft <- survfit(Surv(time, status) ~ 1)
  idx <- ft$time <= tau
  wk.time <- sort(c(ft$time[idx], tau))
  wk.surv <- ft$surv[idx]
  wk.n.risk <- ft$n.risk[idx]
  wk.n.event <- ft$n.event[idx]
  time.diff <- diff(c(0, wk.time))
  areas <- time.diff * c(1, wk.surv)
  rmst <- sum(areas)
  wk.var <- ifelse((wk.n.risk - wk.n.event) == 0, 0, wk.n.event / (wk.n.risk * (wk.n.risk - wk.n.event)))
  wk.var <- c(wk.var, 0)
  rmst.var <- sum(cumsum(rev(areas[-1]))^2 * rev(wk.var)[-1])
  c(rmst = rmst, var = rmst.var)
}
rmst_ref <- function(data, group, tau, levels) {
  out <- list()
  for (g in levels) {
    d <- data[data[[group]] == g, ]
    r <- rmst1(d$time, d$status, tau)
    pf <- summary(survfit(Surv(time, status) ~ 1, d), rmean = tau)$table
    out[[as.character(g)]] <- list(group = as.character(g), rmst = unname(r["rmst"]),
                                   se = unname(sqrt(r["var"])),
                                   print_rmean = unname(pf["rmean"]), print_se = unname(pf["se(rmean)"]))
  }
  r1 <- out[[2]]; r0 <- out[[1]]
  z <- qnorm(0.975)
  dif <- r1$rmst - r0$rmst; dse <- sqrt(r1$se^2 + r0$se^2)
  lr <- log(r1$rmst / r0$rmst); lse <- sqrt(r1$se^2 / r1$rmst^2 + r0$se^2 / r0$rmst^2)
  list(tau = tau, groups = unname(out),
       difference = list(estimate = dif, se = dse, ci_low = dif - z * dse, ci_high = dif + z * dse,
                         p = 2 * pnorm(-abs(dif / dse))),
       ratio = list(estimate = exp(lr), se_log = lse, ci_low = exp(lr - z * lse), ci_high = exp(lr + z * lse),
                    p = 2 * pnorm(-abs(lr / lse))))
}
rm <- list(
  lung_sex_365 = rmst_ref(lung2, "sex", 365, c(1, 2)),
  veteran_trt_200 = rmst_ref(vet, "trt", 200, c(1, 2)),
  aml_x_40 = rmst_ref(aml2, "x", 40, c("Maintained", "Nonmaintained"))
)

# --- interval censoring -----------------------------------------------------
tb <- survfit(Surv(left, right, type = "interval2") ~ 1, data = icd)
eval_t <- c(1, 3, 5, 7, 10, 14, 20)
tb_at <- summary(tb, times = eval_t, extend = TRUE)
# survreg needs a positive left end: an event before the first visit, (0, r], is left-censored.
icd$left0 <- ifelse(icd$left == 0, NA, icd$left)
wb <- survreg(Surv(left0, right, type = "interval2") ~ arm, data = icd, dist = "weibull")
# Right-censored (visit week) Weibull beside it: event at the visit it was seen.
icd$vt <- ifelse(is.na(icd$right), icd$left, icd$right)
icd$ev <- as.integer(!is.na(icd$right))
wb_rc <- survreg(Surv(vt, ev) ~ arm, data = icd, dist = "weibull")
wb_ref <- function(w) list(coef = unname(coef(w)), names = names(coef(w)), log_scale = log(w$scale),
                           scale = w$scale, vcov = unname(vcov(w)), loglik = unname(w$loglik))
interval <- list(
  turnbull = list(time = tb$time, surv = tb$surv, at_time = tb_at$time, at_surv = tb_at$surv),
  weibull = wb_ref(wb),
  weibull_visit_week = wb_ref(wb_rc)
)

out <- list(r_version = R.version.string, survival_version = as.character(packageVersion("survival")),
            km = km, logrank = lr, cox = cx, rmst = rm, interval = interval)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = FALSE),
           "survival_reference.json")

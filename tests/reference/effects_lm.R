# ANCOVA (lm, sandwich HC0-HC3), t.test, p.adjust, subgroup interaction,
# responder 2x2 measures and pairwise contrasts: reference values for
# kneestudy.effects.  Run from tests/reference/:  Rscript effects_lm.R
suppressPackageStartupMessages({library(sandwich); library(metafor); library(jsonlite)})

load_week <- function(name, comparator, week, outcome = "pain") {
  p <- read.csv(file.path("data", paste0(name, "_participants.csv")), stringsAsFactors = FALSE)
  v <- read.csv(file.path("data", paste0(name, "_visits.csv")), stringsAsFactors = FALSE)
  base <- v[v$week == 0, c("participant_id", outcome)]
  names(base)[2] <- "baseline"
  d <- merge(merge(v[v$week == week, ], p, by = "participant_id"), base, by = "participant_id")
  d$y <- d[[outcome]]
  others <- setdiff(unique(p$intervention), comparator)
  d$arm <- factor(d$intervention, levels = c(comparator, others))
  d$sex <- factor(d$sex, levels = c("female", "male", "other"))
  d$squat_test <- factor(d$squat_test, levels = c("pass", "fail"))
  list(d = d, others = others, p = p, v = v)
}
coef_row <- function(fit, V, name) {
  est <- unname(coef(fit)[name]); se <- sqrt(V[name, name]); df <- fit$df.residual
  list(estimate = est, se = se, df = df, p_value = 2 * pt(-abs(est / se), df),
       ci_low = est - qt(0.975, df) * se, ci_high = est + qt(0.975, df) * se)
}

out <- list()
cases <- list(
  list(name = "effects_two_arm", week = 12, outcome = "pain"),
  list(name = "effects_two_arm", week = 6, outcome = "akps"),
  list(name = "effects_dropout", week = 12, outcome = "pain"),
  list(name = "effects_dropout", week = 26, outcome = "pain"))
for (cs in cases) {
  L <- load_week(cs$name, "usual_care", cs$week, cs$outcome)
  key <- sprintf("%s_%s_w%d", cs$name, cs$outcome, cs$week)
  dc <- L$d[!is.na(L$d$y) & !is.na(L$d$baseline), ]
  fit <- lm(y ~ baseline + arm, data = dc)
  res <- list(n = nrow(dc), ancova = list(), robust = list(), covariates = list(), ttest = list())
  for (a in L$others) {
    nm <- paste0("arm", a)
    res$ancova[[a]] <- coef_row(fit, vcov(fit), nm)
    for (hc in c("HC0", "HC1", "HC2", "HC3"))
      res$robust[[a]][[hc]] <- coef_row(fit, vcovHC(fit, type = hc), nm)
    fc <- lm(y ~ baseline + arm + age + sex, data = dc)
    res$covariates[[a]] <- coef_row(fc, vcov(fc), nm)
    # unadjusted t tests: values (all with y) and change (needs baseline)
    dy <- L$d[!is.na(L$d$y), ]
    tt <- list()
    for (ve in c(FALSE, TRUE)) {
      for (chg in c(FALSE, TRUE)) {
        dd <- if (chg) dc else dy
        val <- if (chg) dd$y - dd$baseline else dd$y
        t <- t.test(val[dd$intervention == a], val[dd$intervention == "usual_care"], var.equal = ve)
        tt[[sprintf("%s_%s", if (ve) "pooled" else "welch", if (chg) "change" else "value")]] <-
          list(estimate = unname(t$estimate[1] - t$estimate[2]), se = unname(t$stderr),
               df = unname(t$parameter), p_value = t$p.value, ci_low = t$conf.int[1],
               ci_high = t$conf.int[2])
      }
    }
    res$ttest[[a]] <- tt
    # subgroup by squat_test: treatment and comparator only
    ds <- droplevels(dc[dc$intervention %in% c(a, "usual_care") & !is.na(dc$squat_test), ])
    ds$arm <- factor(ds$intervention, levels = c("usual_care", a))
    sg <- list()
    for (lv in levels(ds$squat_test)) {
      f <- lm(y ~ baseline + arm, data = ds[ds$squat_test == lv, ])
      sg[[lv]] <- coef_row(f, vcov(f), paste0("arm", a))
    }
    f1 <- lm(y ~ baseline + arm * squat_test, data = ds)
    f0 <- lm(y ~ baseline + arm + squat_test, data = ds)
    an <- anova(f0, f1)
    inm <- paste0("arm", a, ":squat_testfail")
    res$subgroup[[a]] <- list(levels = sg, interaction = coef_row(f1, vcov(f1), inm),
                              anova_F = an$F[2], anova_p = an$`Pr(>F)`[2])
  }
  # pairwise contrasts from the one model with every arm
  V <- vcov(fit); b <- coef(fit); lev <- levels(dc$arm)
  ord <- c(L$others, "usual_care")
  pr <- list()
  for (i in 1:(length(ord) - 1)) for (j in (i + 1):length(ord)) {
    l <- setNames(rep(0, length(b)), names(b))
    if (ord[i] != "usual_care") l[paste0("arm", ord[i])] <- 1
    if (ord[j] != "usual_care") l[paste0("arm", ord[j])] <- l[paste0("arm", ord[j])] - 1
    pr[[length(pr) + 1]] <- list(treatment = ord[i], comparator = ord[j],
                                 estimate = sum(l * b), se = sqrt(drop(t(l) %*% V %*% l)))
  }
  res$pairs <- pr
  b0 <- L$v[L$v$week == 0, ]; b0 <- merge(b0, L$p, by = "participant_id")
  b0 <- b0[!is.na(b0[[cs$outcome]]), ]
  s <- tapply(b0[[cs$outcome]], b0$intervention, var); n <- tapply(b0[[cs$outcome]], b0$intervention, length)
  res$pooled_baseline_sd <- sqrt(sum((n - 1) * s) / sum(n - 1))
  out[[key]] <- res
}

# Responders (pain drop >= 2 at week 12, two_arm; recovered GRC >= 6 at week 12, dropout).
resp <- function(name, week, treat, outcome) {
  L <- load_week(name, "usual_care", week, if (outcome == "recovered") "grc" else "pain")
  d <- L$d[!is.na(L$d$y) & (outcome == "recovered" | !is.na(L$d$baseline)), ]
  ev <- if (outcome == "recovered") d$y >= 6 else (d$baseline - d$y) >= 2
  a <- sum(ev[d$intervention == treat]); n1 <- sum(d$intervention == treat)
  c <- sum(ev[d$intervention == "usual_care"]); n2 <- sum(d$intervention == "usual_care")
  rr <- escalc("RR", ai = a, n1i = n1, ci = c, n2i = n2)
  or <- escalc("OR", ai = a, n1i = n1, ci = c, n2i = n2)
  p1 <- a / n1; p2 <- c / n2; rd <- p1 - p2; se <- sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
  # Wald RD interval (prop.test without continuity correction gives the same limits:
  # prop.test(c(a, c), c(n1, n2), correct = FALSE)$conf.int)
  ci <- prop.test(c(a, c), c(n1, n2), correct = FALSE)$conf.int
  list(a = a, n1 = n1, c = c, n2 = n2, log_rr = as.numeric(rr$yi), log_rr_se = sqrt(as.numeric(rr$vi)),
       log_or = as.numeric(or$yi), log_or_se = sqrt(as.numeric(or$vi)),
       rd = rd, rd_se = se, rd_ci_low = ci[1], rd_ci_high = ci[2],
       nnt = 1 / rd, nnt_ci_low = 1 / ci[2], nnt_ci_high = 1 / ci[1])
}
out$responders <- list(
  two_arm_pain_w12 = resp("effects_two_arm", 12, "glute_strengthening", "pain"),
  dropout_recovered_w12 = resp("effects_dropout", 12, "quadriceps_strengthening", "recovered"))

p <- c(0.001, 0.04, 0.03, 0.2, 0.012, NA, 0.5, 0.049)
out$p_adjust <- list(p = p, holm = p.adjust(p, "holm"), BH = p.adjust(p, "BH"),
                     bonferroni = p.adjust(p, "bonferroni"))
out$versions <- list(R = R.version.string, sandwich = as.character(packageVersion("sandwich")))
write_json(out, "effects_lm.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")

# Crossover reference values for kneestudy.effects.crossover.
# Writes three crossover cohorts to data/ (fixed seed) and, for each, the mixed
# model y ~ period + condition + (1 | id) by nlme::lme and lme4::lmer (REML),
# Satterthwaite df by lmerTest, the carry-over model, Senn's AB/BA t test and
# Grizzle's test on totals, and for the replicated design the random condition
# effect (1 + condition | id) with its likelihood-ratio test.
# Run from tests/reference/:  Rscript effects_crossover.R  -> effects_crossover.json
suppressPackageStartupMessages({library(nlme); library(lme4); library(lmerTest); library(jsonlite)})
set.seed(20260601)

make <- function(name, seqs, n, weeks, tau, effect_sd = 0, drop = integer(0)) {
  conds <- names(tau)
  ids <- sprintf("X%03d", seq_len(n))
  sq <- rep(seq_along(seqs), length.out = n)[sample(n)]
  s <- rnorm(n, 0, 1.2)
  u <- rnorm(n, 0, effect_sd)  # person-specific effect of the second condition
  base <- round(5.5 + s + rnorm(n, 0, 0.5), 1)
  part <- data.frame(participant_id = ids, arm = sapply(seqs, paste, collapse = "-")[sq],
                     intervention = "knee_brace")
  rows <- list(data.frame(participant_id = ids, week = 0, pain = base, condition = "usual_care"))
  for (k in seq_along(weeks)) {
    cond <- sapply(sq, function(q) seqs[[q]][k])
    y <- 5 + s - 0.3 * k + tau[cond] + ifelse(cond == conds[2], u, 0) + rnorm(n, 0, 0.8)
    rows[[k + 1]] <- data.frame(participant_id = ids, week = weeks[k], pain = round(y, 3),
                                condition = cond)
  }
  vis <- do.call(rbind, rows)
  vis <- vis[order(vis$participant_id, vis$week), ]
  if (length(drop)) vis <- vis[-drop, ]
  write.csv(part, file.path("data", paste0(name, "_participants.csv")), row.names = FALSE)
  write.csv(vis, file.path("data", paste0(name, "_visits.csv")), row.names = FALSE)
  d <- vis[vis$week > 0, ]
  d$period <- factor(match(d$week, weeks))
  d$id <- d$participant_id
  d
}

fixed <- function(f) {
  s <- summary(f)$coefficients
  list(names = rownames(s), estimate = unname(s[, "Estimate"]), se = unname(s[, "Std. Error"]),
       df = unname(s[, "df"]))
}

analyse <- function(d, ref, replicated = FALSE) {
  d$condition <- relevel(factor(d$condition), ref)
  d <- d[order(d$id, d$period), ]
  d$previous <- ave(as.character(d$condition), d$id, FUN = function(x) c(NA, head(x, -1)))
  consec <- ave(as.integer(d$period), d$id, FUN = function(p) c(FALSE, diff(p) == 1))
  d$previous[consec == 0] <- NA
  for (c in setdiff(levels(d$condition), ref))
    d[[paste0("carry_", make.names(c))]] <- as.numeric(!is.na(d$previous) & d$previous == c)
  d$y <- d$pain
  assign("dd", d, envir = globalenv())
  m1 <- lme(y ~ period + condition, random = ~ 1 | id, data = dd, method = "REML",
            control = lmeControl(msTol = 1e-12, tolerance = 1e-12, msMaxIter = 500))
  l1 <- lmer(pain ~ period + condition + (1 | id), data = dd, REML = TRUE,
             control = lmerControl(optimizer = "nloptwrap",
                                   optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14)))
  vc <- as.data.frame(VarCorr(l1))
  carry <- paste0("carry_", make.names(setdiff(levels(d$condition), ref)))
  fc <- as.formula(paste("pain ~ period + condition +", paste(carry, collapse = " + "), "+ (1 | id)"))
  l2 <- lmer(fc, data = dd, REML = TRUE)
  out <- list(
    lme = list(names = names(fixef(m1)), estimate = unname(fixef(m1)),
               se = unname(sqrt(diag(vcov(m1)))), loglik = as.numeric(logLik(m1)),
               sd_person = as.numeric(VarCorr(m1)[1, "StdDev"]),
               sd_within = m1$sigma),
    lmer = c(fixed(l1), list(sd_person = vc$sdcor[vc$grp == "id"],
                             sd_within = vc$sdcor[vc$grp == "Residual"],
                             loglik = as.numeric(logLik(l1)))),
    carryover = fixed(l2),
    carryover_anova = as.list(anova(l2)[carry, c("F value", "NumDF", "DenDF", "Pr(>F)")]),
    carryover_wald = {b <- fixef(l2)[carry]; V <- as.matrix(vcov(l2))[carry, carry, drop = FALSE]
                      drop(t(b) %*% solve(V, b))}
  )
  if (nlevels(d$period) == 2 && nlevels(d$condition) == 2) {
    w <- reshape(d[, c("id", "period", "pain", "condition")], idvar = "id", timevar = "period",
                 direction = "wide")
    w <- w[complete.cases(w), ]
    rt <- w$condition.1 == ref
    dif <- w$pain.1 - w$pain.2
    tt <- t.test(dif[!rt], dif[rt], var.equal = TRUE)
    tot <- w$pain.1 + w$pain.2
    gz <- t.test(tot[rt], tot[!rt], var.equal = TRUE)
    # condition minus reference = (mean difference of the condition-first sequence
    #  - that of the reference-first sequence) / 2
    out$senn <- list(estimate = unname((tt$estimate[1] - tt$estimate[2]) / 2),
                     se = tt$stderr / 2, df = unname(tt$parameter), p = tt$p.value, n = nrow(w),
                     grizzle_t = unname(gz$statistic), grizzle_p = gz$p.value)
  }
  if (replicated) {
    l3 <- lmer(pain ~ period + condition + (1 + condition | id), data = dd, REML = TRUE,
               control = lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5)))
    vc3 <- as.data.frame(VarCorr(l3))
    out$slopes <- c(fixed(l3), list(
      sd = vc3$sdcor[vc3$grp == "id" & vc3$var1 != "(Intercept)" & is.na(vc3$var2)],
      sd_person = vc3$sdcor[vc3$grp == "id" & vc3$var1 == "(Intercept)" & is.na(vc3$var2)],
      sd_within = vc3$sdcor[vc3$grp == "Residual"],
      loglik = as.numeric(logLik(l3)),
      lr = 2 * (as.numeric(logLik(l3)) - as.numeric(logLik(l1)))))
  }
  out
}

lat <- "knee_brace_lateral"; med <- "knee_brace_medial"; neu <- "knee_brace_neutral"
abba <- make("crossover_abba", list(c(lat, med), c(med, lat)), 40, c(2, 4),
             setNames(c(0, -0.6), c(lat, med)), drop = c(9, 30, 57))
repl <- make("crossover_replicated", list(c(lat, med, lat, med), c(med, lat, med, lat)), 36,
             c(2, 4, 6, 8), setNames(c(0, -0.5), c(lat, med)), effect_sd = 1.0, drop = c(14, 77))
wil <- make("crossover_williams",
            list(c(lat, med, neu), c(med, neu, lat), c(neu, lat, med),
                 c(lat, neu, med), c(med, lat, neu), c(neu, med, lat)), 36, c(2, 4, 6),
            setNames(c(0, -0.6, -0.2), c(lat, med, neu)))
out <- list(abba = analyse(abba, lat), replicated = analyse(repl, lat, replicated = TRUE),
            williams = analyse(wil, lat),
            versions = list(R = R.version.string, nlme = as.character(packageVersion("nlme")),
                            lme4 = as.character(packageVersion("lme4")),
                            lmerTest = as.character(packageVersion("lmerTest"))))
write_json(out, "effects_crossover.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null")

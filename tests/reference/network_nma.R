# Reference values for kneestudy.meta.pairwise / kneestudy.meta.network.
#
# Run from tests/reference/:  Rscript network_nma.R   (writes network_nma.json
# and data/network_<name>_arms.csv)
#
# netmeta is not available here, so its numbers are reproduced by hand:
#  * pairwise(): every pair of arms in each study (data order), effects by
#    metafor::escalc; a zero cell adds 1/2 to events and non-events of every
#    arm of that study (netmeta's incr = 0.5, study-wide).
#  * common-effect NMA: metafor::rma.mv(yi, V, mods = ~ X - 1, method = "FE")
#    on the contrasts of each study against its first arm, V holding the
#    multi-arm covariances (the variance of the shared arm, obtained from the
#    pairwise variances through the pseudo-inverse of the study's Laplacian
#    exactly as netmeta's multiarm(): L+ = -1/2 P V P). This equals Ruecker's
#    (2012) graph-theoretical estimator.
#  * random effects, REML: rma.mv(..., random = ~ comp | study, struct = "CS",
#    rho = 1/2) -- a common tau^2, correlation 1/2 between the contrasts of a
#    multi-arm study (netmeta's method.tau = "REML").
#  * random effects, DL: netmeta's generalised DerSimonian-Laird estimator
#    (Ruecker 2012; Jackson, White & Riley 2012), computed by matrix algebra on
#    the edge level with the reduced (multi-arm) weights W, incidence matrix B,
#    hat matrix H = B L+ B' W and same-study indicator E:
#        tau2 = max(0, (Q - df) / tr((I - H) (B B' * E / 2) W)),
#    then rma.mv(..., tau2 = tau2_DL fixed) for the estimates.
#  * prediction intervals: est +- qt(0.975, df.Q) sqrt(se^2 + tau^2) (netmeta).
#  * P-scores (Ruecker & Schwarzer 2015): mean over j != i of
#    pnorm((theta_i - theta_j) / se_ij) (larger = better).
#  * node splitting by back-calculation (netmeta::netsplit default): direct =
#    inverse-variance pool of the edges of that pair (reduced weights), indirect
#    = (TE_net - p TE_dir) / (1 - p) with p = se_net^2 / se_dir^2.
#  * design-by-treatment decomposition (decomp.design): Q within designs = sum
#    of the common-effect Q of each design fitted alone; between = total - within.
suppressPackageStartupMessages({library(metafor); library(jsonlite); library(MASS)})

pairs_of <- function(arms, measure) {
  out <- list()
  for (s in unique(arms$study)) {
    a <- arms[arms$study == s, ]
    if (measure %in% c("OR")) {
      if (any(a$events == 0) || any(a$events == a$n)) { a$events <- a$events + 0.5; a$n <- a$n + 1 }
    }
    k <- nrow(a)
    for (i in 1:(k - 1)) for (j in (i + 1):k) {
      if (measure == "MD") {
        es <- escalc("MD", m1i = a$mean[i], sd1i = a$sd[i], n1i = a$n[i],
                     m2i = a$mean[j], sd2i = a$sd[j], n2i = a$n[j])
      } else if (measure == "SMD") {
        es <- escalc("SMD", m1i = a$mean[i], sd1i = a$sd[i], n1i = a$n[i],
                     m2i = a$mean[j], sd2i = a$sd[j], n2i = a$n[j])
      } else {
        es <- escalc("OR", ai = a$events[i], n1i = a$n[i], ci = a$events[j], n2i = a$n[j], add = 0)
      }
      out[[length(out) + 1]] <- data.frame(study = s, treat1 = a$treatment[i], treat2 = a$treatment[j],
                                           TE = as.numeric(es$yi), seTE = sqrt(as.numeric(es$vi)))
    }
  }
  do.call(rbind, out)
}

# Reduced weights / covariance of one study from its pairwise variances.
study_lplus <- function(p) {
  trts <- unique(c(p$treat1, p$treat2))
  k <- length(trts)
  V <- matrix(0, k, k, dimnames = list(trts, trts))
  for (r in seq_len(nrow(p))) { V[p$treat1[r], p$treat2[r]] <- p$seTE[r]^2; V[p$treat2[r], p$treat1[r]] <- p$seTE[r]^2 }
  P <- diag(k) - matrix(1 / k, k, k)
  Lp <- -0.5 * P %*% V %*% P
  dimnames(Lp) <- list(trts, trts)
  Lp
}

fit_network <- function(pw, reference) {
  trts <- sort(unique(c(pw$treat1, pw$treat2)))
  nonref <- setdiff(trts, reference)
  studies <- unique(pw$study)
  # contrast-level data vs first arm of each study with covariance block
  yi <- c(); X <- NULL; Vblocks <- list(); sid <- c(); comp <- c()
  # edge-level (reduced weights) for DL and netsplit
  eB <- NULL; ew <- c(); eTE <- c(); estudy <- c(); e1 <- c(); e2 <- c()
  for (s in studies) {
    p <- pw[pw$study == s, ]
    Lp <- study_lplus(p)
    arms <- rownames(Lp); k <- length(arms)
    base <- arms[1]
    TEarm <- setNames(rep(0, k), arms)  # arm "potentials" relative to base from the pairs with base
    for (a in arms[-1]) {
      r <- which((p$treat1 == base & p$treat2 == a) | (p$treat2 == base & p$treat1 == a))
      TEarm[a] <- if (p$treat1[r] == a) p$TE[r] else -p$TE[r]   # a - base
    }
    C <- matrix(0, k, k - 1); for (i in 2:k) { C[i, i - 1] <- 1; C[1, i - 1] <- -1 }
    S <- t(C) %*% Lp %*% C
    Vblocks[[length(Vblocks) + 1]] <- S
    for (i in 2:k) {
      yi <- c(yi, TEarm[arms[i]])
      row <- setNames(rep(0, length(nonref)), nonref)
      if (arms[i] %in% nonref) row[arms[i]] <- 1
      if (base %in% nonref) row[base] <- row[base] - 1
      X <- rbind(X, row); sid <- c(sid, s); comp <- c(comp, paste(base, arms[i]))
    }
    L <- ginv(Lp)
    for (r in seq_len(nrow(p))) {
      i <- match(p$treat1[r], arms); j <- match(p$treat2[r], arms)
      w <- if (k == 2) 1 / p$seTE[r]^2 else -L[i, j]
      b <- setNames(rep(0, length(trts)), trts); b[p$treat1[r]] <- 1; b[p$treat2[r]] <- -1
      eB <- rbind(eB, b); ew <- c(ew, w); eTE <- c(eTE, p$TE[r]); estudy <- c(estudy, s)
      e1 <- c(e1, p$treat1[r]); e2 <- c(e2, p$treat2[r])
    }
  }
  V <- as.matrix(bdiag(Vblocks)); rownames(X) <- NULL
  dat <- data.frame(yi = yi, study = sid, comp = comp)
  fe <- rma.mv(yi, V, mods = X, intercept = FALSE, data = dat, method = "FE")
  # DL (netmeta's generalised DerSimonian-Laird) on the edge level
  W <- diag(ew); Lap <- t(eB) %*% W %*% eB; Lpl <- ginv(Lap)
  H <- eB %*% Lpl %*% t(eB) %*% W
  E <- outer(estudy, estudy, "==") * 1
  theta <- Lpl %*% t(eB) %*% W %*% eTE
  res <- eTE - eB %*% theta
  Q <- as.numeric(t(res) %*% W %*% res)
  df <- sum(sapply(studies, function(s) length(unique(c(pw$treat1[pw$study == s], pw$treat2[pw$study == s]))) - 1)) - (length(trts) - 1)
  tau2_dl <- max(0, (Q - df) / sum(diag((diag(nrow(W)) - H) %*% (eB %*% t(eB) * E / 2) %*% W)))
  dl <- rma.mv(yi, V, mods = X, intercept = FALSE, data = dat, random = ~ comp | study,
               struct = "CS", rho = 0.5, tau2 = tau2_dl)
  reml <- rma.mv(yi, V, mods = X, intercept = FALSE, data = dat, random = ~ comp | study,
                 struct = "CS", rho = 0.5, method = "REML",
                 control = list(rel.tol = 1e-10, iter.max = 10000))
  summarise <- function(m, tau2) {
    b <- c(0, as.numeric(coef(m))); names(b) <- c(reference, nonref)
    vb <- matrix(0, length(trts), length(trts), dimnames = list(names(b), names(b)))
    vb[-1, -1] <- vcov(m)
    se <- sqrt(diag(vb)); crit <- qt(0.975, df)
    eff <- data.frame(treatment = names(b), estimate = b, se = se,
                      ci_low = b - qnorm(0.975) * se, ci_high = b + qnorm(0.975) * se,
                      pi_low = b - crit * sqrt(se^2 + tau2), pi_high = b + crit * sqrt(se^2 + tau2))
    eff <- eff[eff$treatment != reference, ]
    league <- list(); ps <- c()
    for (t1 in names(b)) {
      pr <- c()
      for (t2 in names(b)) if (t1 != t2) {
        d <- b[t1] - b[t2]; sd <- sqrt(vb[t1, t1] + vb[t2, t2] - 2 * vb[t1, t2])
        league[[length(league) + 1]] <- data.frame(treatment = t1, comparator = t2, estimate = d, se = sd)
        pr <- c(pr, pnorm(d / sd))
      }
      ps[t1] <- mean(pr)
    }
    list(effects = eff, league = do.call(rbind, league),
         pscores = data.frame(treatment = names(ps), pscore = as.numeric(ps)), tau2 = tau2,
         b = b, vb = vb)
  }
  fe_s <- summarise(fe, 0); dl_s <- summarise(dl, tau2_dl); reml_s <- summarise(reml, reml$tau2)
  # node splitting (back-calculation), common and DL random effects
  split <- function(s, tau2) {
    w <- if (tau2 == 0) ew else {
      # reduced weights recomputed with tau2 added to every pairwise variance
      ww <- c()
      for (st in studies) {
        p <- pw[pw$study == st, ]; p$seTE <- sqrt(p$seTE^2 + tau2)
        Lp <- study_lplus(p); L <- ginv(Lp); arms <- rownames(Lp)
        for (r in seq_len(nrow(p))) ww <- c(ww, if (length(arms) == 2) 1 / p$seTE[r]^2 else -L[match(p$treat1[r], arms), match(p$treat2[r], arms)])
      }
      ww
    }
    keys <- ifelse(e1 < e2, paste(e1, e2, sep = ":"), paste(e2, e1, sep = ":"))
    out <- list()
    for (key in sort(unique(keys))) {
      idx <- which(keys == key); ab <- strsplit(key, ":")[[1]]
      sgn <- ifelse(e1[idx] == ab[1], 1, -1)
      dir <- sum(w[idx] * sgn * eTE[idx]) / sum(w[idx]); sdir <- sqrt(1 / sum(w[idx]))
      net <- s$b[ab[1]] - s$b[ab[2]]
      snet <- sqrt(s$vb[ab[1], ab[1]] + s$vb[ab[2], ab[2]] - 2 * s$vb[ab[1], ab[2]])
      prop <- snet^2 / sdir^2
      if (prop < 1 - 1e-10) {
        ind <- (net - prop * dir) / (1 - prop); sind <- sqrt(1 / (1 / snet^2 - 1 / sdir^2))
        diff <- dir - ind; sdiff <- sqrt(sdir^2 + sind^2); pv <- 2 * pnorm(-abs(diff / sdiff))
      } else { ind <- NA; sind <- NA; diff <- NA; pv <- NA }
      out[[length(out) + 1]] <- data.frame(treat1 = ab[1], treat2 = ab[2], direct = dir, se_direct = sdir,
                                           indirect = ind, se_indirect = sind, prop_direct = prop, p_value = pv)
    }
    do.call(rbind, out)
  }
  # decomposition of Q
  designs <- sapply(studies, function(s) paste(sort(unique(c(pw$treat1[pw$study == s], pw$treat2[pw$study == s]))), collapse = ":"))
  qw <- 0; dfw <- 0
  for (d in unique(designs)) {
    ss <- studies[designs == d]
    if (length(ss) < 2) next
    sub <- pw[pw$study %in% ss, ]
    tt <- sort(unique(c(sub$treat1, sub$treat2)))
    f <- fit_fe_only(sub, tt[1]); qw <- qw + f$Q; dfw <- dfw + f$df
  }
  list(treatments = trts, reference = reference, pairwise = pw,
       common = c(fe_s[c("effects", "league", "pscores")], list(Q = fe$QE, df = df)),
       dl = c(dl_s[c("effects", "league", "pscores")], list(tau2 = tau2_dl, Q_edge = Q,
              I2 = max(0, (Q - df) / Q) * 100)),
       reml = c(reml_s[c("effects", "league", "pscores")], list(tau2 = reml$tau2)),
       netsplit_common = split(fe_s, 0), netsplit_dl = split(dl_s, tau2_dl),
       decomp = list(Q_total = fe$QE, df_total = df, Q_within = qw, df_within = dfw,
                     Q_between = fe$QE - qw, df_between = df - dfw))
}

fit_fe_only <- function(pw, reference) {
  trts <- sort(unique(c(pw$treat1, pw$treat2))); nonref <- setdiff(trts, reference)
  yi <- c(); X <- NULL; Vb <- list(); k_total <- 0
  for (s in unique(pw$study)) {
    p <- pw[pw$study == s, ]; Lp <- study_lplus(p); arms <- rownames(Lp); k <- length(arms); base <- arms[1]
    C <- matrix(0, k, k - 1); for (i in 2:k) { C[i, i - 1] <- 1; C[1, i - 1] <- -1 }
    Vb[[length(Vb) + 1]] <- t(C) %*% Lp %*% C
    for (a in arms[-1]) {
      r <- which((p$treat1 == base & p$treat2 == a) | (p$treat2 == base & p$treat1 == a))
      yi <- c(yi, if (p$treat1[r] == a) p$TE[r] else -p$TE[r])
      row <- setNames(rep(0, length(nonref)), nonref)
      if (a %in% nonref) row[a] <- 1
      if (base %in% nonref) row[base] <- row[base] - 1
      X <- rbind(X, row)
    }
  }
  m <- rma.mv(yi, as.matrix(bdiag(Vb)), mods = X, intercept = FALSE, method = "FE")
  list(Q = m$QE, df = length(yi) - length(nonref))
}

# --- Senn et al. (2013): glucose-lowering drugs, HbA1c MD, one three-arm study.
# netmeta's help page for Senn2013 (common effect vs placebo) is recalled to
# report e.g. metf -1.1141 and rosi -1.2018 with Q = 96.99 on 18 df; these
# recalled figures were not checked against the page here, so the binding
# reference is the R computation below. The published contrasts are not all reproducible from the arm-level
# dat.senn2013 (some arms report raw values, not change), so the reference
# here is recomputed from metafor's arm data.
senn <- dat.senn2013
senn_arms <- data.frame(study = senn$study, treatment = senn$treatment, n = senn$ni,
                        mean = senn$mi, sd = senn$sdi)
# --- Hasselblad (1998): smoking cessation, events, two three-arm studies, zero cells.
h <- dat.hasselblad1998
hass_arms <- data.frame(study = paste0("s", h$study), treatment = h$trt, n = h$ni, events = h$xi)
write.csv(senn_arms, "data/network_senn2013_arms.csv", row.names = FALSE)
write.csv(hass_arms, "data/network_hasselblad1998_arms.csv", row.names = FALSE)

senn_pw <- pairs_of(senn_arms, "MD")
senn_smd <- pairs_of(senn_arms, "SMD")
hass_pw <- pairs_of(hass_arms, "OR")
out <- list(
  senn2013 = fit_network(senn_pw, "placebo"),
  hasselblad1998 = fit_network(hass_pw, "no_contact"),
  senn2013_smd_pairwise = senn_smd
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "rows", pretty = FALSE), "network_nma.json")
cat("written network_nma.json\n")

# Reference values for kneestudy.meta.component_network, design_by_treatment and node_split.
#
# Run from tests/reference/:  Rscript meta_components.R   (writes meta_components.json and
# data/components_linde2016.csv, data/components_knee_arms.csv)
#
# netmeta is not available here; its models are reproduced with metafor and matrix algebra:
#  * additive component NMA (Ruecker, Petropoulou & Schwarzer 2020; netcomb/discomb): the
#    meta-regression of the contrasts of each study against its first arm on their
#    component differences, without an intercept:
#        rma.mv(yi, V, mods = X, intercept = FALSE, method = "FE")            common effect
#        rma.mv(..., random = ~ comp | study, struct = "CS", rho = 1/2,
#               method = "REML")                                             REML
#    V holds the multi-arm covariances (the study's L+ = -1/2 P V P from the pairwise
#    variances, as netmeta's multiarm()).
#  * DL: netcomb's generalised DerSimonian-Laird estimator, written on the edge level as in
#    netmeta's nma_additive(): reduced weights W, edge incidence B, component design
#    X = B C, hat matrix H = X (X'WX)^+ X'W, same-study indicator E:
#        tau2 = max(0, (Q_add - df_add) / tr((I - H)(B B' * E / 2) W)),
#    then rma.mv(..., tau2 = tau2_DL fixed) for the estimates.
#  * additivity test (netcomb): Q_add - Q_std on rank(B) - rank(X) df; Q_std is the
#    common-effect Q of the standard network on the treatments as given (rma.mv drops one
#    column per connected part, so a disconnected standard network is fitted part by part).
#  * prediction intervals: est +- qt(0.975, df_add) sqrt(se^2 + tau2) (netmeta's rule).
#  * percentage study weights (Riley, Ensor, Jackson & Burke 2018): the variance of an
#    estimate a'b splits into a' I^-1 I_s I^-1 a with I_s = X_s' Sigma_s^-1 X_s.
#  * design-by-treatment interaction (Higgins et al. 2012): the consistency model plus
#    design terms (one per design and node after the design's first node); common effect
#    Q_between = QE(consistency) - QE(inconsistency); random effects: tau2 of the full
#    interaction model by netmeta's tau.within() method of moments (the contrast-level
#    formula with V0 = (I + J)/2 blocks) or by REML (rma.mv of the full model), then the
#    Wald statistic of the design coefficients of rma.mv at that tau2.
#  * node splitting by back-calculation (netsplit): direct = inverse-variance pool of the
#    edges of a pair of nodes with reduced weights at tau2, indirect = (TE_net - p TE_dir) /
#    (1 - p), p = se_net^2 / se_dir^2.
suppressPackageStartupMessages({library(metafor); library(jsonlite); library(MASS); library(metadat)})

arms_of <- function(p) unique(as.vector(rbind(p$treat1, p$treat2)))

blocks_of <- function(pw) {
  out <- list()
  for (s in unique(pw$study)) {
    p <- pw[pw$study == s, ]
    arms <- arms_of(p); k <- length(arms)
    V <- matrix(0, k, k, dimnames = list(arms, arms))
    for (r in seq_len(nrow(p))) V[p$treat1[r], p$treat2[r]] <- V[p$treat2[r], p$treat1[r]] <- p$seTE[r]^2
    P <- diag(k) - matrix(1 / k, k, k)
    Lp <- -0.5 * P %*% V %*% P
    dimnames(Lp) <- list(arms, arms)
    y <- numeric(k - 1)
    for (i in 2:k) {
      r <- which((p$treat1 == arms[i] & p$treat2 == arms[1]) | (p$treat2 == arms[i] & p$treat1 == arms[1]))
      y[i - 1] <- if (p$treat1[r] == arms[i]) p$TE[r] else -p$TE[r]
    }
    Cm <- matrix(0, k, k - 1); for (i in 2:k) { Cm[i, i - 1] <- 1; Cm[1, i - 1] <- -1 }
    out[[length(out) + 1]] <- list(study = s, arms = arms, y = y, S = t(Cm) %*% Lp %*% Cm, Lp = Lp, p = p)
  }
  out
}

# Contrast-level data for a parameterisation rowf(arm, block) -> named numeric row.
contrast_data <- function(blocks, rowf) {
  X <- NULL; yi <- c(); Vb <- list(); sid <- c(); comp <- c()
  for (b in blocks) {
    base <- rowf(b$arms[1], b)
    for (i in 2:length(b$arms)) {
      X <- rbind(X, rowf(b$arms[i], b) - base); yi <- c(yi, b$y[i - 1])
      sid <- c(sid, b$study); comp <- c(comp, b$arms[i])
    }
    Vb[[length(Vb) + 1]] <- b$S
  }
  rownames(X) <- NULL
  list(X = X, yi = yi, V = as.matrix(bdiag(Vb)), dat = data.frame(yi = yi, study = sid, comp = comp),
       Vb = Vb)
}

# Edge-level data (every pair of arms of every study) with reduced weights at tau2.
edge_data <- function(blocks, rowf, trts, tau2 = 0) {
  eB <- NULL; eX <- NULL; ew <- c(); eTE <- c(); estudy <- c(); e1 <- c(); e2 <- c()
  for (b in blocks) {
    p <- b$p; k <- length(b$arms)
    Lp <- b$Lp + tau2 / 2 * (diag(k) - matrix(1 / k, k, k))
    L <- ginv(Lp)
    for (r in seq_len(nrow(p))) {
      i <- match(p$treat1[r], b$arms); j <- match(p$treat2[r], b$arms)
      w <- if (k == 2) 1 / (p$seTE[r]^2 + tau2) else -L[i, j]
      bb <- setNames(rep(0, length(trts)), trts); bb[p$treat1[r]] <- 1; bb[p$treat2[r]] <- -1
      eB <- rbind(eB, bb); eX <- rbind(eX, rowf(p$treat1[r], b) - rowf(p$treat2[r], b))
      ew <- c(ew, w); eTE <- c(eTE, p$TE[r]); estudy <- c(estudy, b$study)
      e1 <- c(e1, p$treat1[r]); e2 <- c(e2, p$treat2[r])
    }
  }
  list(B = eB, X = eX, w = ew, TE = eTE, study = estudy, t1 = e1, t2 = e2)
}

rank_of <- function(X) qr(X)$rank
n_contrasts <- function(blocks) sum(sapply(blocks, function(b) length(b$arms) - 1))

# netcomb's DL on the edge level
dl_edge <- function(ed, df) {
  W <- diag(ed$w); Lx <- t(ed$X) %*% W %*% ed$X; Lplus <- ginv(Lx)
  H <- ed$X %*% Lplus %*% t(ed$X) %*% W
  beta <- Lplus %*% t(ed$X) %*% W %*% ed$TE
  res <- ed$TE - ed$X %*% beta
  Q <- as.numeric(t(res) %*% W %*% res)
  E <- outer(ed$study, ed$study, "==") * 1
  if (df <= 0) return(list(tau2 = 0, Q = Q))
  list(tau2 = max(0, (Q - df) / sum(diag((diag(nrow(W)) - H) %*% (ed$B %*% t(ed$B) * E / 2) %*% W))), Q = Q)
}

# netmeta's tau.within(): method of moments on the contrast level, V0 = (I + J)/2 blocks
tau_within_mm <- function(cd) {
  X <- cd$X[, colSums(abs(cd$X)) > 0, drop = FALSE]
  X <- X[, qr(X)$pivot[seq_len(qr(X)$rank)], drop = FALSE]
  W0 <- as.matrix(bdiag(lapply(cd$Vb, solve)))
  V0 <- as.matrix(bdiag(lapply(cd$Vb, function(S) { m <- nrow(S); diag(m) / 2 + matrix(0.5, m, m) })))
  C <- solve(t(X) %*% W0 %*% X)
  theta <- C %*% t(X) %*% W0 %*% cd$yi
  r <- cd$yi - X %*% theta
  Q <- as.numeric(t(r) %*% W0 %*% r)
  trace1 <- sum(diag(W0 %*% V0)); trace2 <- sum(diag(C %*% t(X) %*% W0 %*% V0 %*% W0 %*% X))
  max(0, (Q - nrow(X) + ncol(X)) / (trace1 - trace2))
}

mv <- function(cd, method = "FE", tau2 = NULL, X = cd$X) {
  if (method == "FE") return(suppressWarnings(rma.mv(cd$yi, cd$V, mods = X, intercept = FALSE,
                                                      data = cd$dat, method = "FE")))
  if (!is.null(tau2))
    return(suppressWarnings(rma.mv(cd$yi, cd$V, mods = X, intercept = FALSE, data = cd$dat,
                                   random = ~ comp | study, struct = "CS", rho = 0.5, tau2 = tau2)))
  # nlminb to rel.tol 1e-10; where it stops at the tau2 = 0 boundary without converging,
  # BFGS on log(tau) (metafor's default parameterisation) to reltol 1e-14
  reml <- function(ctrl) suppressWarnings(rma.mv(cd$yi, cd$V, mods = X, intercept = FALSE,
    data = cd$dat, random = ~ comp | study, struct = "CS", rho = 0.5, method = "REML", control = ctrl))
  tryCatch(reml(list(rel.tol = 1e-10, iter.max = 10000)),
           error = function(e) reml(list(optimizer = "BFGS", reltol = 1e-14, maxit = 10000)))
}

coefs <- function(m, names) {
  b <- setNames(rep(0, length(names)), names); vb <- matrix(0, length(names), length(names), dimnames = list(names, names))
  kept <- sub("^X", "", rownames(m$beta))
  b[kept] <- as.numeric(m$beta); vb[kept, kept] <- as.matrix(vcov(m))
  list(b = b, vb = vb)
}

effects_table <- function(cb, rows, tau2, df) {
  out <- list()
  for (nm in names(rows)) {
    a <- rows[[nm]]; est <- sum(a * cb$b); se <- sqrt(as.numeric(t(a) %*% cb$vb %*% a))
    pi <- if (df >= 2) qt(0.975, df) * sqrt(se^2 + tau2) else NA
    out[[length(out) + 1]] <- data.frame(name = nm, estimate = est, se = se,
      ci_low = est - qnorm(0.975) * se, ci_high = est + qnorm(0.975) * se,
      pi_low = est - pi, pi_high = est + pi, p_value = 2 * pnorm(-abs(est / se)))
  }
  do.call(rbind, out)
}

study_weights <- function(cd, tau2, a, blocks) {
  Sig <- lapply(cd$Vb, function(S) { m <- nrow(S); S + tau2 * (diag(m) + matrix(1, m, m)) / 2 })
  pos <- 0; Is <- list(); I <- 0
  for (j in seq_along(blocks)) {
    m <- length(blocks[[j]]$arms) - 1; Xs <- cd$X[pos + seq_len(m), , drop = FALSE]; pos <- pos + m
    Is[[j]] <- t(Xs) %*% solve(Sig[[j]]) %*% Xs; I <- I + Is[[j]]
  }
  Ii <- ginv(I); tot <- as.numeric(t(a) %*% Ii %*% a)
  data.frame(study = sapply(blocks, `[[`, "study"),
             weight = sapply(Is, function(M) as.numeric(t(a) %*% Ii %*% M %*% Ii %*% a) / tot))
}

node_split <- function(blocks, node, trts, nodes, tau2, cb) {
  ed <- edge_data(blocks, function(t, b) setNames(as.numeric(nodes == node[t]), nodes), trts, tau2)
  n1 <- node[ed$t1]; n2 <- node[ed$t2]
  keep <- n1 != n2
  key <- ifelse(n1 < n2, paste(n1, n2, sep = ":"), paste(n2, n1, sep = ":"))
  out <- list()
  for (k in sort(unique(key[keep]))) {
    idx <- which(keep & key == k); ab <- strsplit(k, ":")[[1]]
    sgn <- ifelse(n1[idx] == ab[1], 1, -1)
    dir <- sum(ed$w[idx] * sgn * ed$TE[idx]) / sum(ed$w[idx]); sdir <- sqrt(1 / sum(ed$w[idx]))
    net <- cb$b[ab[1]] - cb$b[ab[2]]
    snet <- sqrt(cb$vb[ab[1], ab[1]] + cb$vb[ab[2], ab[2]] - 2 * cb$vb[ab[1], ab[2]])
    prop <- snet^2 / sdir^2
    if (prop < 1 - 1e-10) {
      ind <- (net - prop * dir) / (1 - prop); sind <- sqrt(1 / (1 / snet^2 - 1 / sdir^2))
      pv <- 2 * pnorm(-abs((dir - ind) / sqrt(sdir^2 + sind^2)))
    } else { ind <- NA; sind <- NA; pv <- NA }
    out[[length(out) + 1]] <- data.frame(treat1 = ab[1], treat2 = ab[2], network = as.numeric(net),
      direct = dir, se_direct = sdir, indirect = ind, se_indirect = sind, prop_direct = prop, p_value = pv)
  }
  do.call(rbind, out)
}

analyse <- function(pw, inactive, sep, nodes_of = NULL, weights_for = character(0)) {
  blocks <- blocks_of(pw)
  trts <- sort(unique(c(pw$treat1, pw$treat2)))
  comps_of <- lapply(trts, function(t) setdiff(trimws(strsplit(t, sep, fixed = TRUE)[[1]]), inactive))
  names(comps_of) <- trts
  comps <- sort(unique(unlist(comps_of)))
  crow <- function(t, b) setNames(as.numeric(comps %in% comps_of[[t]]), comps)
  cd <- contrast_data(blocks, crow)
  df_add <- n_contrasts(blocks) - rank_of(cd$X)
  fe <- mv(cd, "FE")
  ed <- edge_data(blocks, crow, trts)
  dl <- dl_edge(ed, df_add)
  m_dl <- mv(cd, "DL", tau2 = dl$tau2)
  m_reml <- mv(cd, "REML")
  unit <- setNames(lapply(comps, function(c) setNames(as.numeric(comps == c), comps)), comps)
  comb <- setNames(lapply(trts, function(t) crow(t, NULL)), trts)
  # standard network on the treatments as given (rma.mv drops one column per connected part)
  trow <- function(t, b) setNames(as.numeric(trts == t), trts)
  cd_std <- contrast_data(blocks, trow)
  fe_std <- mv(cd_std, "FE")
  df_std <- n_contrasts(blocks) - rank_of(cd_std$X)
  q_diff <- fe$QE - fe_std$QE; df_diff <- rank_of(cd_std$X) - rank_of(cd$X)
  res <- list(
    treatments = trts, components_names = comps, inactive = inactive,
    common = effects_table(coefs(fe, comps), unit, 0, df_add),
    dl = effects_table(coefs(m_dl, comps), unit, dl$tau2, df_add),
    reml = effects_table(coefs(m_reml, comps), unit, m_reml$tau2, df_add),
    combinations_dl = effects_table(coefs(m_dl, comps), comb, dl$tau2, df_add),
    tau2_dl = dl$tau2, tau2_reml = m_reml$tau2, Q_edge = dl$Q,
    Q_additive = fe$QE, df_additive = df_add, Q_standard = fe_std$QE, df_standard = df_std,
    Q_diff = q_diff, df_diff = df_diff,
    p_diff = if (df_diff > 0) pchisq(q_diff, df_diff, lower.tail = FALSE) else NA,
    weights_dl = setNames(lapply(weights_for, function(c) study_weights(cd, dl$tau2, unit[[c]], blocks)),
                          weights_for)
  )
  # design-by-treatment and node split on the standard network of the nodes
  node <- if (is.null(nodes_of)) setNames(trts, trts) else nodes_of[trts]
  nodes <- sort(unique(node))
  nrow_ <- function(t, b) setNames(as.numeric(nodes == node[t]), nodes)
  cd_cons <- contrast_data(blocks, nrow_)
  design_key <- function(b) sort(unique(node[b$arms]))
  dkeys <- list()
  for (b in blocks) { d <- design_key(b); for (v in d[-1]) dkeys[[length(dkeys) + 1]] <- paste(paste(d, collapse = ":"), v, sep = "|") }
  dnames <- unique(unlist(dkeys))
  drow <- function(t, b) {
    d <- design_key(b); r <- setNames(rep(0, length(dnames)), dnames)
    if (node[t] != d[1]) r[paste(paste(d, collapse = ":"), node[t], sep = "|")] <- 1
    r
  }
  cd_inc <- contrast_data(blocks, drow)
  fe_cons <- mv(cd_cons, "FE"); fe_inc <- mv(cd_inc, "FE")
  df_between <- rank_of(cd_inc$X) - rank_of(cd_cons$X)
  # consistency model plus design terms: rma.mv keeps the design columns not spanned by it
  full <- cbind(cd_cons$X, cd_inc$X); colnames(full) <- c(paste0("N", seq_len(ncol(cd_cons$X))),
                                                           paste0("D", seq_len(ncol(cd_inc$X))))
  wald <- function(m) {
    d <- grep("^D", rownames(m$beta)); b <- m$beta[d]; V <- as.matrix(vcov(m))[d, d]
    c(Q = as.numeric(t(b) %*% solve(V) %*% b), df = length(d))
  }
  tw <- tau_within_mm(cd_inc)
  m_tw <- mv(list(yi = cd_cons$yi, V = cd_cons$V, dat = cd_cons$dat), "DL", tau2 = tw, X = full)
  m_full_reml <- mv(list(yi = cd_cons$yi, V = cd_cons$V, dat = cd_cons$dat), "REML", X = full)
  res$design <- list(Q_total = fe_cons$QE, Q_within = fe_inc$QE, Q_between = fe_cons$QE - fe_inc$QE,
                     df_between = df_between, tau2_within_dl = tw, Q_random_dl = wald(m_tw)[["Q"]],
                     df_random_dl = wald(m_tw)[["df"]], tau2_within_reml = m_full_reml$tau2,
                     Q_random_reml = wald(m_full_reml)[["Q"]])
  # node split at the DL tau2 of the standard network of the nodes
  ed_n <- edge_data(blocks, nrow_, trts)
  dl_n <- dl_edge(ed_n, n_contrasts(blocks) - rank_of(cd_cons$X))
  m_n <- mv(cd_cons, "DL", tau2 = dl_n$tau2)
  cb_n <- coefs(m_n, nodes)
  res$nodes <- as.list(node)
  res$tau2_nodes_dl <- dl_n$tau2
  res$netsplit_dl <- node_split(blocks, node, trts, nodes, dl_n$tau2, cb_n)
  res
}

# --- Linde et al. (2016): primary-care depression, 93 trials, combinations of drug and
# psychotherapy; the example of Ruecker et al. (2020). metadat's dat.linde2016 (log odds
# ratios of response, all pairs of multi-arm trials). Placebo is the inactive component.
lin <- dat.linde2016
write.csv(lin, "data/components_linde2016.csv", row.names = FALSE)
lin_pw <- data.frame(study = as.character(lin$id), treat1 = lin$treat1, treat2 = lin$treat2,
                     TE = lin$lnOR, seTE = lin$selnOR, stringsAsFactors = FALSE)

# --- A hand-made runner's-knee network (pain, 0-10, arm means): three-arm trials, add-on
# arms, attention controls, and a standard network in two parts (glucosamine vs placebo
# joins the rest only through the shared inactive reference). The numbers are invented
# for the test; they are not evidence.
knee <- read.csv(text = "study,treatment,n,mean,sd
s01,glute_strengthening+quadriceps_strengthening,30,3.1,1.9
s01,quadriceps_strengthening,30,3.9,2.0
s01,usual_care,30,4.8,2.1
s02,glute_strengthening+quadriceps_strengthening,40,3.4,2.2
s02,quadriceps_strengthening,38,4.1,2.0
s03,taping+quadriceps_strengthening,25,2.9,1.8
s03,sham+quadriceps_strengthening,25,3.6,1.9
s03,quadriceps_strengthening,24,3.8,2.0
s04,knee_brace+physical_therapy,20,3.0,2.1
s04,physical_therapy,21,3.5,2.0
s05,balance_training+quadriceps_strengthening,18,3.3,1.7
s05,quadriceps_strengthening,18,3.5,1.9
s06,orthotics,45,3.6,2.2
s06,flat_insert,44,4.2,2.3
s06,wait_and_see,45,4.6,2.1
s07,running_form,15,2.8,1.6
s07,wait_and_see,15,4.4,1.9
s08,stretching,22,4.0,2.0
s08,usual_care,23,4.5,2.2
s09,glucosamine,60,4.1,2.4
s09,placebo,60,4.3,2.3
s10,physical_therapy,35,3.2,2.0
s10,usual_care,35,4.4,2.1
s11,glute_strengthening,28,3.5,2.1
s11,usual_care,27,4.6,2.0
s12,quadriceps_strengthening,30,3.2,2.1
s12,wait_and_see,30,4.9,2.2
s13,orthotics,30,2.6,2.0
s13,flat_insert,31,4.4,2.1
s14,glucosamine,50,3.2,2.3
s14,placebo,50,4.6,2.2
s15,stretching+glute_strengthening,20,2.4,1.9
s15,glute_strengthening,20,3.9,2.0
", stringsAsFactors = FALSE)
write.csv(knee, "data/components_knee_arms.csv", row.names = FALSE)
knee_pw <- NULL
for (s in unique(knee$study)) {
  a <- knee[knee$study == s, ]
  for (i in 1:(nrow(a) - 1)) for (j in (i + 1):nrow(a)) {
    es <- escalc("MD", m1i = a$mean[i], sd1i = a$sd[i], n1i = a$n[i], m2i = a$mean[j], sd2i = a$sd[j], n2i = a$n[j])
    knee_pw <- rbind(knee_pw, data.frame(study = s, treat1 = a$treatment[i], treat2 = a$treatment[j],
                                         TE = as.numeric(es$yi), seTE = sqrt(as.numeric(es$vi))))
  }
}
knee_inactive <- c("usual_care", "wait_and_see", "placebo", "sham", "flat_insert")
# nodes of the comparison's standard model: the set of active components ("inactive" if none)
ktrts <- sort(unique(knee$treatment))
knee_nodes <- setNames(sapply(ktrts, function(t) {
  cs <- setdiff(strsplit(t, "+", fixed = TRUE)[[1]], knee_inactive)
  if (length(cs) == 0) "inactive" else paste(sort(cs), collapse = "+")
}), ktrts)

out <- list(
  linde2016 = analyse(lin_pw, "Placebo", "+", weights_for = c("SSRI", "Face-to-face PST")),
  knee = analyse(knee_pw, knee_inactive, "+", nodes_of = knee_nodes,
                 weights_for = c("knee_brace", "glute_strengthening")),
  knee_pairwise = knee_pw
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "rows", pretty = FALSE),
           "meta_components.json")
cat("written meta_components.json\n")

# Reference values for kneestudy.design (closed-form power and the tests the
# simulations use).
# - power.t.test (strict = TRUE) for the two-sample t test;
# - the ANCOVA variance-deflation power (Borm et al. 2007): a t test with
#   sd * sqrt(1 - rho^2) on 2n - 3 df, written out with the noncentral t;
# - power.prop.test (strict = TRUE) for two proportions;
# - Schoenfeld (1983): pnorm(sqrt(d / 4) * |log HR| - qnorm(1 - alpha / 2));
# - prop.test(correct = FALSE) p-values of 2x2 tables (the responder test);
# - the n per arm power.t.test gives for a target power.
# Run from this folder: Rscript design_power.R
suppressPackageStartupMessages(library(jsonlite))

ttest <- list()
for (args in list(c(20, 1, 2, 0.05), c(60, 0.5, 1.8, 0.05), c(100, 0.4, 2, 0.01),
                  c(35, 0.8, 1.5, 0.05), c(200, 0.25, 2.2, 0.05))) {
  n <- args[1]; delta <- args[2]; sd <- args[3]; alpha <- args[4]
  ttest[[length(ttest) + 1]] <- list(n = n, delta = delta, sd = sd, alpha = alpha,
    power = power.t.test(n = n, delta = delta, sd = sd, sig.level = alpha, strict = TRUE)$power)
}

ancova <- list()
for (args in list(c(40, 0.5, 1.8, 0.6, 0.05), c(80, 0.4, 2, 0.3, 0.05), c(25, 1, 2, 0.8, 0.05))) {
  n <- args[1]; delta <- args[2]; sd <- args[3]; rho <- args[4]; alpha <- args[5]
  s <- sd * sqrt(1 - rho^2); df <- 2 * n - 3
  ncp <- delta / (s * sqrt(2 / n)); q <- qt(1 - alpha / 2, df)
  ancova[[length(ancova) + 1]] <- list(n = n, delta = delta, sd = sd, rho = rho, alpha = alpha,
    power = pt(q, df, ncp, lower.tail = FALSE) + pt(-q, df, ncp))
}

prop <- list()
for (args in list(c(60, 0.45, 0.3, 0.05), c(150, 0.2, 0.12, 0.05), c(40, 0.7, 0.4, 0.01))) {
  prop[[length(prop) + 1]] <- list(n = args[1], p1 = args[2], p2 = args[3], alpha = args[4],
    power = power.prop.test(n = args[1], p1 = args[2], p2 = args[3], sig.level = args[4],
                            strict = TRUE)$power)
}

schoenfeld <- list()
for (args in list(c(100, log(1.5), 0.05), c(250, log(0.8), 0.05), c(60, log(2), 0.01))) {
  schoenfeld[[length(schoenfeld) + 1]] <- list(events = args[1], log_hr = args[2], alpha = args[3],
    power = pnorm(sqrt(args[1] / 4) * abs(args[2]) - qnorm(1 - args[3] / 2)))
}

tables <- list(c(20, 60, 12, 60), c(5, 40, 0, 41), c(33, 57, 31, 58), c(59, 60, 50, 60))
chisq <- list()
for (tab in tables) {
  r <- suppressWarnings(prop.test(c(tab[1], tab[3]), c(tab[2], tab[4]), correct = FALSE))
  chisq[[length(chisq) + 1]] <- list(k1 = tab[1], n1 = tab[2], k0 = tab[3], n0 = tab[4],
    statistic = unname(r$statistic), p_value = r$p.value)
}

n_for_power <- list()
for (args in list(c(0.5, 1.8, 0.9), c(1, 2, 0.8))) {
  n_for_power[[length(n_for_power) + 1]] <- list(delta = args[1], sd = args[2], power = args[3],
    n = power.t.test(delta = args[1], sd = args[2], power = args[3], strict = TRUE)$n)
}

writeLines(toJSON(list(
  generated_with = paste("R", getRversion()),
  ttest = ttest, ancova = ancova, prop = prop, schoenfeld = schoenfeld, chisq = chisq,
  n_for_power = n_for_power), auto_unbox = TRUE, digits = NA, pretty = TRUE),
  "design_power.json")

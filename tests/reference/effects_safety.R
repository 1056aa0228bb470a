# Reference values for kneestudy.effects.safety (adverse events by arm).
# Exact Clopper-Pearson intervals (binom.test), Fisher's exact test (fisher.test)
# and the log risk ratio with 1/2 added to every cell of a table with a zero
# (metafor::escalc measure "RR", to = "only0"), at two confidence levels.
# Run from this folder: Rscript effects_safety.R
suppressPackageStartupMessages({library(metafor); library(jsonlite)})

# treatment events, treatment n, comparator events, comparator n
tables <- list(
  c(3, 20, 1, 20),     # small counts
  c(2, 12, 0, 12),     # a zero cell
  c(0, 15, 0, 15),     # no events at all (RR not informative)
  c(40, 60, 12, 58),   # large risks
  c(10, 10, 4, 9),     # a risk of 1
  c(17, 179, 9, 180)   # orthotics-like minor events
)
out <- list()
for (tab in tables) {
  for (level in c(0.95, 0.90)) {
    k1 <- tab[1]; n1 <- tab[2]; k0 <- tab[3]; n0 <- tab[4]
    ci1 <- binom.test(k1, n1, conf.level = level)$conf.int
    ci0 <- binom.test(k0, n0, conf.level = level)$conf.int
    es <- escalc("RR", ai = k1, n1i = n1, ci = k0, n2i = n0)
    z <- qnorm(1 - (1 - level) / 2)
    rr <- if (k1 + k0 > 0) exp(c(es$yi, es$yi - z * sqrt(es$vi), es$yi + z * sqrt(es$vi))) else c(NA, NA, NA)
    fp <- fisher.test(matrix(c(k1, n1 - k1, k0, n0 - k0), 2, byrow = TRUE))$p.value
    out[[length(out) + 1]] <- list(
      k1 = k1, n1 = n1, k0 = k0, n0 = n0, level = level,
      risk1_ci = as.numeric(ci1), risk0_ci = as.numeric(ci0),
      rr = rr[1], rr_ci_low = rr[2], rr_ci_high = rr[3], fisher_p = fp
    )
  }
}
# By term: four terms (treatment events, comparator events; 40 vs 38 participants),
# Fisher's test per term, then p.adjust across the four comparisons.
terms <- data.frame(term = c("headache", "nausea", "rash", "stomach upset"),
                    k1 = c(2, 9, 0, 12), k0 = c(3, 2, 1, 4), n1 = 40, n0 = 38)
terms$fisher_p <- mapply(function(a, b, n1, n0)
  fisher.test(matrix(c(a, n1 - a, b, n0 - b), 2, byrow = TRUE))$p.value,
  terms$k1, terms$k0, terms$n1, terms$n0)
es <- escalc("RR", ai = k1, n1i = n1, ci = k0, n2i = n0, data = terms)
terms$rr <- exp(es$yi)
terms$holm <- p.adjust(terms$fisher_p, "holm")
terms$BH <- p.adjust(terms$fisher_p, "BH")
writeLines(toJSON(list(
  generated_with = paste("R", getRversion(), "metafor", packageVersion("metafor")),
  cases = out, by_term = as.list(terms)), auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
  "effects_safety.json")

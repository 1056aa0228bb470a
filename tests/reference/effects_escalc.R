# escalc reference values (metafor), with the input columns, for kneestudy.effects.escalc.
# Run from tests/reference/:  Rscript effects_escalc.R  -> effects_escalc.json
suppressPackageStartupMessages({library(metafor); library(jsonlite)})
out <- list()
n <- dat.normand1999
for (m in c("MD", "SMD", "SMDH")) {
  e <- escalc(m, m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n)
  out[[paste0("normand_", m)]] <- list(m1i = n$m1i, sd1i = n$sd1i, n1i = n$n1i, m2i = n$m2i,
    sd2i = n$sd2i, n2i = n$n2i, yi = as.numeric(e$yi), vi = as.numeric(e$vi))
}
b <- dat.bcg
for (m in c("RR", "OR", "RD")) {
  e <- escalc(m, ai = tpos, bi = tneg, ci = cpos, di = cneg, data = b)
  out[[paste0("bcg_", m)]] <- list(ai = b$tpos, bi = b$tneg, ci = b$cpos, di = b$cneg,
    yi = as.numeric(e$yi), vi = as.numeric(e$vi))
}
# Tables with zero cells (one zero cell, a zero in each arm, and none).
z <- data.frame(ai = c(0, 3, 0, 12), n1i = c(20, 25, 15, 40), ci = c(4, 0, 0, 9), n2i = c(22, 24, 15, 41))
for (m in c("RR", "OR", "RD")) {
  e <- escalc(m, ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = z)
  out[[paste0("zero_", m)]] <- list(ai = z$ai, n1i = z$n1i, ci = z$ci, n2i = z$n2i,
    yi = as.numeric(e$yi), vi = as.numeric(e$vi))
}
# Change-score standardised mean change (single group, change-score SD).
s <- data.frame(m1i = c(3.1, 2.5, 4.0), m2i = c(5.6, 5.0, 5.2), sd1i = c(1.9, 2.1, 1.5),
                sd2i = c(1.6, 1.8, 1.7), ni = c(30, 45, 22), ri = c(0.5, 0.6, 0.4))
e <- escalc("SMCC", m1i = m1i, m2i = m2i, sd1i = sd1i, sd2i = sd2i, ni = ni, ri = ri, data = s)
out$smcc <- c(as.list(s), list(yi = as.numeric(e$yi), vi = as.numeric(e$vi)))
# Peto's log odds ratio (with metafor's default zero-cell handling), on the BCG
# trials and the zero-cell tables.
e <- escalc("PETO", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = b)
out$bcg_PETO <- list(ai = b$tpos, bi = b$tneg, ci = b$cpos, di = b$cneg,
  yi = as.numeric(e$yi), vi = as.numeric(e$vi))
e <- escalc("PETO", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = z)
out$zero_PETO <- list(ai = z$ai, n1i = z$n1i, ci = z$ci, n2i = z$n2i,
  yi = as.numeric(e$yi), vi = as.numeric(e$vi))
# Log ratio of means (positive means: length of stay).
e <- escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i, data = n)
out$normand_ROM <- list(m1i = n$m1i, sd1i = n$sd1i, n1i = n$n1i, m2i = n$m2i,
  sd2i = n$sd2i, n2i = n$n2i, yi = as.numeric(e$yi), vi = as.numeric(e$vi))
# Fisher's r-to-z transformed correlation.
mc <- dat.mcdaniel1994
e <- escalc("ZCOR", ri = ri, ni = ni, data = mc)
out$mcdaniel_ZCOR <- list(ri = mc$ri, ni = mc$ni, yi = as.numeric(e$yi), vi = as.numeric(e$vi))
# Log odds of a single proportion, with a zero and an all-events study added.
pr <- rbind(dat.pritz1997[, c("xi", "ni")], data.frame(xi = c(0, 12), ni = c(15, 12)))
e <- escalc("PLO", xi = xi, ni = ni, data = pr)
out$pritz_PLO <- list(xi = pr$xi, ni = pr$ni, yi = as.numeric(e$yi), vi = as.numeric(e$vi))
out$versions <- list(R = R.version.string, metafor = as.character(packageVersion("metafor")))
write_json(out, "effects_escalc.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)

# Data sets shared by the meta_*.R reference scripts (metafor's bundled data).
# Effect sizes are computed with escalc and exported, so the Python tests
# take yi / vi (and moderators) straight from the JSON.
suppressMessages(library(metafor))

meta_datasets <- function() {
  bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
  normand_md <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i,
                       m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)
  normand_smd <- escalc(measure = "SMD", m1i = m1i, sd1i = sd1i, n1i = n1i,
                        m2i = m2i, sd2i = sd2i, n2i = n2i, data = dat.normand1999)
  hack <- dat.hackshaw1998
  bd <- dat.bangertdrowns2004
  bd <- bd[complete.cases(bd[, c("yi", "vi", "length", "wic", "feedback", "info", "imag", "meta")]), ]
  molloy <- escalc(measure = "ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
  pritz <- escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
  list(
    bcg = list(yi = as.numeric(bcg$yi), vi = as.numeric(bcg$vi), slab = paste(bcg$author, bcg$year),
               ablat = bcg$ablat, year = bcg$year, alloc = as.character(bcg$alloc)),
    normand_md = list(yi = as.numeric(normand_md$yi), vi = as.numeric(normand_md$vi),
                      slab = as.character(normand_md$study), source = as.character(normand_md$source)),
    normand_smd = list(yi = as.numeric(normand_smd$yi), vi = as.numeric(normand_smd$vi),
                       slab = as.character(normand_smd$study), source = as.character(normand_smd$source)),
    hackshaw = list(yi = hack$yi, vi = hack$vi, slab = paste(hack$author, hack$year),
                    design = as.character(hack$design)),
    bangertdrowns = list(yi = bd$yi, vi = bd$vi, slab = paste(bd$author, bd$year),
                         length = bd$length, wic = bd$wic, feedback = bd$feedback,
                         info = bd$info, imag = bd$imag, meta = bd$meta,
                         grade = as.character(bd$grade)),
    molloy = list(yi = as.numeric(molloy$yi), vi = as.numeric(molloy$vi),
                  slab = paste(molloy$authors, molloy$year), meanage = molloy$meanage,
                  quality = molloy$quality, design = as.character(molloy$design)),
    pritz = list(yi = as.numeric(pritz$yi), vi = as.numeric(pritz$vi),
                 slab = as.character(pritz$authors)),
    bcg_small = list(yi = as.numeric(bcg$yi[1:3]), vi = as.numeric(bcg$vi[1:3]),
                     slab = paste(bcg$author, bcg$year)[1:3])
  )
}

write_reference <- function(x, path) {
  writeLines(jsonlite::toJSON(x, digits = NA, auto_unbox = TRUE, na = "null",
                              null = "null", pretty = FALSE), path)
}

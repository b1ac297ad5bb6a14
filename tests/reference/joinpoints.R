# Reference values for tests/test_joinpoints.py, computed with R's glm and the segmented package.
#
# Regenerate (Debian: apt-get install r-base-core r-cran-segmented; segmented 1.6-2 and R 4.2.2 made the
# committed file):
#     Rscript tests/reference/joinpoints.R > tests/reference/joinpoints_segmented.json
# The series are drawn here once with a fixed seed and written into the JSON with the results, so the tests
# need neither R nor this script. Every number is R's own: glm for the grid search and the fixed-joinpoint
# fits, segmented for the breakpoints estimated freely with their uncertainty.
suppressMessages(library(segmented))
options(digits = 15)

min_end <- 2; min_between <- 2
candidates <- function(time, k) {
  n <- length(time); allowed <- (min_end + 1):(n - min_end)  # 1-based indices
  rows <- combn(allowed, k, simplify = FALSE)
  ok <- Filter(function(c) k < 2 || all(diff(c) - 1 >= min_between), rows)
  lapply(ok, function(c) time[c])
}
hinges <- function(time, places) sapply(places, function(p) pmax(time - p, 0))
fit_at <- function(d, places, shift = NULL, family = poisson()) {
  X <- cbind(t = d$t - min(d$t))
  if (length(places)) X <- cbind(X, hinges(d$t, places))
  if (!is.null(shift)) X <- cbind(X, step = as.numeric(d$t >= shift))
  glm(d$y ~ X, family = family, offset = log(d$e))
}
slopes_of <- function(f, k) {
  b <- coef(f); V <- vcov(f)
  out <- list()
  for (j in 0:k) {
    c <- rep(0, length(b)); c[2:(2 + j)] <- 1
    out[[j + 1]] <- list(slope = sum(c * b), se = sqrt(drop(t(c) %*% V %*% c)))
  }
  out
}
aapc_of <- function(f, places, first, last) {
  b <- coef(f); V <- vcov(f)
  bounds <- c(-Inf, places, Inf)
  w <- pmax(pmin(bounds[-1], last) - pmax(bounds[-length(bounds)], first), 0)
  c <- rep(0, length(b))
  for (j in seq_along(w)) { cj <- rep(0, length(b)); cj[2:(1 + j)] <- 1; c <- c + w[j] * cj }
  c <- c / sum(w)
  list(first = first, last = last, slope = sum(c * b), se = sqrt(drop(t(c) %*% V %*% c)))
}
grid <- function(d, k) {
  cands <- candidates(d$t, k)
  devs <- sapply(cands, function(p) deviance(fit_at(d, p)))
  list(places = cands[[which.min(devs)]], deviance = min(devs))
}
reference <- function(name, d, k, window, shift = NULL, quasi = FALSE) {
  g <- grid(d, k)
  f <- fit_at(d, g$places)
  res <- list(name = name, time = d$t, counts = d$y, exposure = d$e, joinpoints = k,
              grid = list(places = g$places, deviance = g$deviance,
                          coefficients = unname(coef(f)), slopes = slopes_of(f, k),
                          aapc_all = aapc_of(f, g$places, min(d$t), max(d$t)),
                          aapc_window = aapc_of(f, g$places, window[1], window[2])))
  if (quasi) {
    q <- fit_at(d, g$places, family = quasipoisson())
    res$quasi <- list(dispersion = summary(q)$dispersion, slopes = slopes_of(q, k))
  }
  if (!is.null(shift)) {
    s <- fit_at(d, g$places, shift = shift)
    nb <- length(coef(s))
    res$shift <- list(at = shift, estimate = unname(coef(s)[nb]), se = sqrt(vcov(s)[nb, nb]),
                      slopes = slopes_of(s, k))
  }
  # segmented: the same model with the breakpoints estimated freely, started at the grid's places
  base <- glm(y ~ t, family = poisson, offset = log(e), data = d)
  sg <- segmented(base, seg.Z = ~t, psi = g$places)
  sl <- slope(sg)$t
  ap <- aapc(sg)
  res$segmented <- list(psi = unname(sg$psi[, "Est."]), psi_se = unname(sg$psi[, "St.Err"]),
                        deviance = deviance(sg),
                        slopes = lapply(seq_len(nrow(sl)), function(i) list(slope = sl[i, 1], se = sl[i, 2])),
                        aapc = list(slope = unname(ap[1]), se = unname(ap[2])))
  res
}

set.seed(2000)
t15 <- 2011:2025
e15 <- round(60000 * 1.012^(t15 - 2011))
lin <- function(t, a, b, knots, changes) a + b * (t - min(t)) + rowSums(cbind(0, sapply(seq_along(knots), function(i) changes[i] * pmax(t - knots[i], 0))))

# one joinpoint at 2018, about 250 exits a year
mu_a <- e15 * exp(lin(t15, log(0.004), log(1.08), 2018, log(0.88) - log(1.08)))
# two joinpoints at the term boundaries, the default province's planted shape
mu_b <- e15 * exp(lin(t15, log(0.002), log(1.08), c(2015, 2020), c(log(1.17) - log(1.08), log(0.79) - log(1.17))))
# half-years: one joinpoint at 2018/2, exposure half the members
t30 <- rep(2011:2025, each = 2) + rep(c(0, 0.5), 15)
e30 <- round(60000 * 1.012^(t30 - 2011)) / 2
mu_c <- e30 * exp(lin(t30, log(0.004), log(1.06), 2018.5, log(0.9) - log(1.06)))
# over-dispersed: negative binomial around one joinpoint at 2019
mu_d <- e15 * exp(lin(t15, log(0.003), log(1.05), 2019, log(0.85) - log(1.05)))
# noise-free: the counts are the expectations themselves
mu_n <- e15 * exp(lin(t15, log(0.004), log(1.08), 2018, log(0.9) - log(1.08)))

series <- list(
  reference("one_joinpoint", data.frame(t = t15, y = rpois(15, mu_a), e = e15), 1, c(2016, 2025), shift = 2021),
  reference("two_joinpoints", data.frame(t = t15, y = rpois(15, mu_b), e = e15), 2, c(2021, 2025)),
  reference("half_years", data.frame(t = t30, y = rpois(30, mu_c), e = e30), 1, c(2016, 2025)),
  reference("over_dispersed", data.frame(t = t15, y = rnbinom(15, mu = mu_d, size = 20), e = e15), 1,
            c(2016, 2025), quasi = TRUE),
  reference("noise_free", data.frame(t = t15, y = mu_n, e = e15), 1, c(2016, 2025))
)

json <- function(x) {
  if (is.list(x)) {
    if (!is.null(names(x))) {
      return(paste0("{", paste0('"', names(x), '": ', sapply(x, json), collapse = ", "), "}"))
    }
    return(paste0("[", paste0(sapply(x, json), collapse = ", "), "]"))
  }
  if (is.character(x)) return(paste0('"', x, '"'))
  if (is.logical(x)) return(tolower(as.character(x)))
  v <- formatC(x, digits = 17, format = "g")
  if (length(x) == 1) v else paste0("[", paste0(v, collapse = ", "), "]")
}
cat(json(list(generator = "tests/reference/joinpoints.R",
              r = paste(R.version$major, R.version$minor, sep = "."),
              segmented = as.character(packageVersion("segmented")),
              series = series)), "\n")

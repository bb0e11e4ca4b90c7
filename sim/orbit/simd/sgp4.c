/*
 * Near-earth SGP4 (Vallado 2006 / satellite.js 7.1.0 `sgp4`, method 'n') for two satellites per
 * WebAssembly SIMD f64x2 lane pair, N satellites x M dates per call, plus TEME -> ECF -> geodetic.
 *
 * Built by sim/orbit/simd/build.ts with Debian clang (wasm32, -O3 -msimd128, no libc). The
 * satellite-constant block of each pair is laid out by sim/orbit/batch.ts (FIELD_* below, two
 * doubles per field, lane 0 then lane 1). sin/cos follow musl/fdlibm (__rem_pio2 medium case, __sin,
 * __cos) and atan2 musl's atan/atan2, so results track satellite.js's JS path (V8's fdlibm) to a
 * few ulps. Deep-space satellites (method 'd') are not handled here: batch.ts propagates them with
 * satellite.js.
 */
#include <wasm_simd128.h>

typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));

/* Field order of the per-pair constant block; keep in sync with FIELDS in batch.ts. */
enum {
  F_EPOCH_MS, F_MO, F_MDOT, F_ARGPO, F_ARGPDOT, F_NODEO, F_NODEDOT, F_NODECF, F_CC1, F_BSTAR_CC4,
  F_T2COF, F_OMGCOF, F_ETA, F_XMCOF, F_DELMO, F_D2, F_D3, F_D4, F_BSTAR_CC5, F_SINMAO, F_T3COF,
  F_T4COF, F_T5COF, F_NO, F_A0, F_ECCO, F_INCLO, F_SINIM, F_COSIM, F_AYCOF, F_XLCOF, F_CON41,
  F_X1MTH2, F_X7THM1, F_COUNT
};

static const double TWO_PI = 6.283185307179586; /* Math.PI * 2 */
#define XKE (60.0 / __builtin_sqrt((EARTH_RADIUS * EARTH_RADIUS * EARTH_RADIUS) / 398600.8)) /* constants.xke */
static const double J2 = 0.001082616;
static const double EARTH_RADIUS = 6378.135;
#define VKMPERSEC ((EARTH_RADIUS * XKE) / 60.0) /* constants.vkmpersec */

static inline v2d splat(double x) { return (v2d){x, x}; }
static inline v2d vsel(v2i mask, v2d a, v2d b) { /* mask ? a : b */
  return (v2d)wasm_v128_bitselect((v128_t)a, (v128_t)b, (v128_t)mask);
}
static inline v2d vabs(v2d x) { return (v2d)wasm_f64x2_abs((v128_t)x); }
static inline v2d vsqrt(v2d x) { return (v2d)wasm_f64x2_sqrt((v128_t)x); }
static inline v2d vnearest(v2d x) { return (v2d)wasm_f64x2_nearest((v128_t)x); }
static inline v2d vfloor(v2d x) { return (v2d)wasm_f64x2_floor((v128_t)x); }
static inline v2d vtrunc(v2d x) { return (v2d)wasm_f64x2_trunc((v128_t)x); }
static inline v2d vld(const double *p) { return (v2d)wasm_v128_load(p); }

/* x % 2pi with the sign of x (JS `%`); 2pi split so k * TWO_PI_HI is exact for k < 2^27. */
static const double TWO_PI_HI = 6.283185243606567;    /* 2pi truncated to 26 bits */
static const double TWO_PI_LO = 6.357301884918343e-8; /* 2pi - TWO_PI_HI, exact */
static inline v2d vfmod2pi(v2d x) {
  v2d k = vtrunc(x * splat(1.0 / TWO_PI));
  return (x - k * splat(TWO_PI_HI)) - k * splat(TWO_PI_LO);
}

/* musl __sin(x, y, 1) and __cos(x, y) on the reduced argument x + y, |x| <= ~pi/4. */
static inline v2d ksin(v2d x, v2d y) {
  const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
               S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
               S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  v2d z = x * x, w = z * z;
  v2d r = splat(S2) + z * (splat(S3) + z * splat(S4)) + z * w * (splat(S5) + z * splat(S6));
  v2d v = z * x;
  return x - ((z * (splat(0.5) * y - v * r) - y) - v * splat(S1));
}
static inline v2d kcos(v2d x, v2d y) {
  const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
               C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
               C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  v2d z = x * x, w = z * z;
  v2d r = z * (splat(C1) + z * (splat(C2) + z * splat(C3))) +
          w * w * (splat(C4) + z * (splat(C5) + z * splat(C6)));
  v2d hz = splat(0.5) * z;
  w = splat(1.0) - hz;
  return w + (((splat(1.0) - w) - hz) + (z * r - x * y));
}

/* sin and cos of x (|x| well below 2^20 pi/2): musl __rem_pio2 medium case, then quadrant select. */
static inline void vsincos(v2d x, v2d *s, v2d *c) {
  const double invpio2 = 6.36619772367581382433e-01, pio2_1 = 1.57079632673412561417e+00,
               pio2_1t = 6.07710050650619224932e-11;
  v2d fn = vnearest(x * splat(invpio2));
  v2d r = x - fn * splat(pio2_1);
  v2d w = fn * splat(pio2_1t);
  v2d y0 = r - w;
  v2d y1 = (r - y0) - w;
  v2d q = fn - splat(4.0) * vfloor(fn * splat(0.25)); /* 0, 1, 2, 3 */
  v2d ks = ksin(y0, y1), kc = kcos(y0, y1);
  v2i odd = (q == splat(1.0)) | (q == splat(3.0));
  v2d sv = vsel(odd, kc, ks);
  v2d cv = vsel(odd, ks, kc);
  *s = vsel(q >= splat(2.0), -sv, sv);
  *c = vsel((q == splat(1.0)) | (q == splat(2.0)), -cv, cv);
}

/* musl atan on a >= 0 (NaN passes through). */
static inline v2d vatan_pos(v2d a) {
  static const double aT[] = {
      3.33333333333329318027e-01, -1.99999999998764832476e-01, 1.42857142725034663711e-01,
      -1.11111104054623557880e-01, 9.09088713343650656196e-02, -7.69187620504482999495e-02,
      6.66107313738753120669e-02, -5.83357013379057348645e-02, 4.97687799461593236017e-02,
      -3.65315727442169155270e-02, 1.62858201153657823623e-02};
  v2i m0 = a >= splat(0.4375), m1 = a >= splat(0.6875), m2 = a >= splat(1.1875),
      m3 = a >= splat(2.4375);
  v2d x = a, hi = splat(0.0), lo = splat(0.0);
  x = vsel(m0, (splat(2.0) * a - splat(1.0)) / (splat(2.0) + a), x);
  hi = vsel(m0, splat(4.63647609000806093515e-01), hi);
  lo = vsel(m0, splat(2.26987774529616870924e-17), lo);
  x = vsel(m1, (a - splat(1.0)) / (a + splat(1.0)), x);
  hi = vsel(m1, splat(7.85398163397448278999e-01), hi);
  lo = vsel(m1, splat(3.06161699786838301793e-17), lo);
  x = vsel(m2, (a - splat(1.5)) / (splat(1.0) + splat(1.5) * a), x);
  hi = vsel(m2, splat(9.82793723247329054082e-01), hi);
  lo = vsel(m2, splat(1.39033110312309984516e-17), lo);
  x = vsel(m3, splat(-1.0) / a, x);
  hi = vsel(m3, splat(1.57079632679489655800e+00), hi);
  lo = vsel(m3, splat(6.12323399573676603587e-17), lo);
  v2d z = x * x, w = z * z;
  v2d s1 = z * (splat(aT[0]) +
                w * (splat(aT[2]) + w * (splat(aT[4]) + w * (splat(aT[6]) +
                                                              w * (splat(aT[8]) + w * splat(aT[10]))))));
  v2d s2 = w * (splat(aT[1]) +
                w * (splat(aT[3]) + w * (splat(aT[5]) + w * (splat(aT[7]) + w * splat(aT[9])))));
  /* id < 0: x - x*(s1+s2); otherwise hi - ((x*(s1+s2) - lo) - x). With hi = lo = 0 both agree. */
  return hi - ((x * (s1 + s2) - lo) - x);
}

/* musl atan2(y, x) for finite inputs, not both zero. */
static inline v2d vatan2(v2d y, v2d x) {
  const double pi = 3.1415926535897931160E+00, pi_lo = 1.2246467991473531772E-16;
  v2d z = vatan_pos(vabs(y / x));
  v2i yneg = (v2i)wasm_i64x2_shr((v128_t)y, 63) != 0; /* sign bit of y */
  v2i xneg = (v2i)wasm_i64x2_shr((v128_t)x, 63) != 0;
  v2d pos = vsel(xneg, splat(pi) - (z - splat(pi_lo)), z);
  v2d neg = vsel(xneg, (z - splat(pi_lo)) - splat(pi), -z);
  return vsel(yneg, neg, pos);
}

#define FLD(f) vld(k + 2 * (f))

static inline void store_lane(double *base, int lane, v2d x) { *base = lane ? x[1] : x[0]; }

/*
 * TEME position (km) and velocity (km/s) of npairs satellite pairs at ndates times.
 * consts: npairs blocks of F_COUNT x 2 doubles. sat: output satellite index per lane (2 per pair,
 * -1 = padding, not written). dates: Unix ms. Outputs are satellite-major, then date, like
 * satellite.js BulkPropagator: pos/vel [(sat * ndates + d) * 3 + axis], err [sat * ndates + d]
 * (0 ok, 1 eccentricity out of range, 4 semi-latus rectum < 0, 6 decayed; NaN coordinates on error).
 * decay_check: also report 6 where the drag term has run tempa <= 0 (satellite.js checkForDecay).
 */
__attribute__((export_name("sgp4_teme"))) void sgp4_teme(int npairs, const double *consts,
                                                          const int *sat, int ndates,
                                                          const double *dates, double *pos,
                                                          double *vel, unsigned char *err,
                                                          int decay_check) {
  const double nan = __builtin_nan("");
  for (int p = 0; p < npairs; p++) {
    const double *k = consts + (long)p * F_COUNT * 2;
    const int s0 = sat[2 * p], s1 = sat[2 * p + 1];
    for (int d = 0; d < ndates; d++) {
      const v2d t = (splat(dates[d]) - FLD(F_EPOCH_MS)) / splat(60000.0);
      /* update for secular gravity and atmospheric drag */
      const v2d xmdf = FLD(F_MO) + FLD(F_MDOT) * t;
      const v2d argpdf = FLD(F_ARGPO) + FLD(F_ARGPDOT) * t;
      const v2d nodedf = FLD(F_NODEO) + FLD(F_NODEDOT) * t;
      const v2d t2 = t * t;
      v2d nodem = nodedf + FLD(F_NODECF) * t2;
      v2d tempa = splat(1.0) - FLD(F_CC1) * t;
      v2d tempe = FLD(F_BSTAR_CC4) * t;
      v2d templ = FLD(F_T2COF) * t2;
      /* isimp != 1 terms; isimp == 1 satellites carry zero coefficients, which leaves them exact */
      const v2d delomg = FLD(F_OMGCOF) * t;
      v2d sxm, cxm;
      vsincos(xmdf, &sxm, &cxm);
      const v2d delmtemp = splat(1.0) + FLD(F_ETA) * cxm;
      const v2d delm = FLD(F_XMCOF) * (delmtemp * delmtemp * delmtemp - FLD(F_DELMO));
      const v2d temp0 = delomg + delm;
      v2d mm = xmdf + temp0;
      v2d argpm = argpdf - temp0;
      const v2d t3 = t2 * t, t4 = t3 * t;
      tempa = tempa - FLD(F_D2) * t2 - FLD(F_D3) * t3 - FLD(F_D4) * t4;
      v2d smm, cmm;
      vsincos(mm, &smm, &cmm);
      tempe += FLD(F_BSTAR_CC5) * (smm - FLD(F_SINMAO));
      templ = templ + FLD(F_T3COF) * t3 + t4 * (FLD(F_T4COF) + t * FLD(F_T5COF));
      const v2d no = FLD(F_NO);
      const v2d am = FLD(F_A0) * tempa * tempa;
      const v2d nm = splat(XKE) / (am * vsqrt(am));
      v2d em = FLD(F_ECCO) - tempe;
      const v2i bad_e = (em >= splat(1.0)) | (em < splat(-0.001));
      em = vsel(em < splat(1.0e-6), splat(1.0e-6), em);
      mm += no * templ;
      v2d xlm = mm + argpm + nodem;
      nodem = vfmod2pi(nodem);
      argpm = vfmod2pi(argpm);
      xlm = vfmod2pi(xlm);
      mm = vfmod2pi(xlm - argpm - nodem);
      const v2d sinip = FLD(F_SINIM), cosip = FLD(F_COSIM);
      /* long period periodics */
      v2d sargp, cargp;
      vsincos(argpm, &sargp, &cargp);
      const v2d axnl = em * cargp;
      v2d temp = splat(1.0) / (am * (splat(1.0) - em * em));
      const v2d aynl = em * sargp + temp * FLD(F_AYCOF);
      const v2d xl = mm + argpm + nodem + temp * FLD(F_XLCOF) * axnl;
      /* solve Kepler's equation */
      const v2d u = vfmod2pi(xl - nodem);
      v2d eo1 = u, tem5 = splat(9999.9), sineo1 = splat(0.0), coseo1 = splat(0.0);
      v2i active = vabs(tem5) >= splat(1.0e-12);
      for (int ktr = 1; ktr <= 10 && wasm_v128_any_true((v128_t)active); ktr++) {
        v2d se, ce;
        vsincos(eo1, &se, &ce);
        v2d step = splat(1.0) - ce * axnl - se * aynl;
        step = (u - aynl * ce + axnl * se - eo1) / step;
        step = vsel(vabs(step) >= splat(0.95), vsel(step > splat(0.0), splat(0.95), splat(-0.95)),
                    step);
        sineo1 = vsel(active, se, sineo1);
        coseo1 = vsel(active, ce, coseo1);
        tem5 = vsel(active, step, tem5);
        eo1 = vsel(active, eo1 + step, eo1);
        active = active & (vabs(tem5) >= splat(1.0e-12));
      }
      /* short period preliminary quantities */
      const v2d ecose = axnl * coseo1 + aynl * sineo1;
      const v2d esine = axnl * sineo1 - aynl * coseo1;
      const v2d el2 = axnl * axnl + aynl * aynl;
      const v2d pl = am * (splat(1.0) - el2);
      const v2i bad_pl = pl < splat(0.0);
      const v2d rl = am * (splat(1.0) - ecose);
      const v2d rdotl = (vsqrt(am) * esine) / rl;
      const v2d rvdotl = vsqrt(pl) / rl;
      const v2d betal = vsqrt(splat(1.0) - el2);
      temp = esine / (splat(1.0) + betal);
      const v2d sinu = (am / rl) * (sineo1 - aynl - axnl * temp);
      const v2d cosu = (am / rl) * (coseo1 - axnl + aynl * temp);
      v2d su = vatan2(sinu, cosu);
      const v2d sin2u = (cosu + cosu) * sinu;
      const v2d cos2u = splat(1.0) - splat(2.0) * sinu * sinu;
      temp = splat(1.0) / pl;
      const v2d temp1 = splat(0.5 * J2) * temp;
      const v2d temp2 = temp1 * temp;
      const v2d con41 = FLD(F_CON41), x1mth2 = FLD(F_X1MTH2);
      const v2d mrt = rl * (splat(1.0) - splat(1.5) * temp2 * betal * con41) +
                      splat(0.5) * temp1 * x1mth2 * cos2u;
      const v2i decayed = mrt < splat(1.0);
      su -= splat(0.25) * temp2 * FLD(F_X7THM1) * sin2u;
      const v2d xnode = nodem + splat(1.5) * temp2 * cosip * sin2u;
      const v2d xinc = FLD(F_INCLO) + splat(1.5) * temp2 * cosip * sinip * cos2u;
      const v2d mvt = rdotl - (nm * temp1 * x1mth2 * sin2u) / splat(XKE);
      const v2d rvdot = rvdotl + (nm * temp1 * (x1mth2 * cos2u + splat(1.5) * con41)) / splat(XKE);
      /* orientation vectors */
      v2d sinsu, cossu, snod, cnod, sini, cosi;
      vsincos(su, &sinsu, &cossu);
      vsincos(xnode, &snod, &cnod);
      vsincos(xinc, &sini, &cosi);
      const v2d xmx = -snod * cosi, xmy = cnod * cosi;
      const v2d ux = xmx * sinsu + cnod * cossu;
      const v2d uy = xmy * sinsu + snod * cossu;
      const v2d uz = sini * sinsu;
      const v2d vx = xmx * cossu - cnod * sinsu;
      const v2d vy = xmy * cossu - snod * sinsu;
      const v2d vz = sini * cossu;
      v2d px = mrt * ux * splat(EARTH_RADIUS), py = mrt * uy * splat(EARTH_RADIUS),
          pz = mrt * uz * splat(EARTH_RADIUS);
      v2d qx = (mvt * ux + rvdot * vx) * splat(VKMPERSEC),
          qy = (mvt * uy + rvdot * vy) * splat(VKMPERSEC),
          qz = (mvt * uz + rvdot * vz) * splat(VKMPERSEC);
      /* error code in satellite.js order: eccentricity, semi-latus rectum, decay, community check */
      v2i late_decay = decay_check ? (tempa <= splat(0.0)) : (v2i){0, 0};
      v2d code = vsel(decayed | late_decay, splat(6.0), splat(0.0));
      code = vsel(bad_pl, splat(4.0), code);
      code = vsel(bad_e, splat(1.0), code);
      const v2i fail = code != splat(0.0);
      px = vsel(fail, splat(nan), px);
      py = vsel(fail, splat(nan), py);
      pz = vsel(fail, splat(nan), pz);
      qx = vsel(fail, splat(nan), qx);
      qy = vsel(fail, splat(nan), qy);
      qz = vsel(fail, splat(nan), qz);
      for (int lane = 0; lane < 2; lane++) {
        const int s = lane ? s1 : s0;
        if (s < 0) continue;
        const long e = (long)s * ndates + d;
        double *po = pos + 3 * e, *vo = vel + 3 * e;
        store_lane(po, lane, px);
        store_lane(po + 1, lane, py);
        store_lane(po + 2, lane, pz);
        store_lane(vo, lane, qx);
        store_lane(vo + 1, lane, qy);
        store_lane(vo + 2, lane, qz);
        err[e] = (unsigned char)(lane ? code[1] : code[0]);
      }
    }
  }
}

/*
 * TEME -> Earth-fixed (rotation by GMST about z) -> geodetic (WGS84, Bowring, two iterations) for
 * count entries of pos (3 doubles each). gmst_cs holds cos and sin of GMST per date; entry e uses date
 * e % ndates. Entries whose err is non-zero get NaN. Any of ecf/lat/lon/alt may be 0 to skip it
 * (ecf, lat, lon and alt are all computed either way).
 */
__attribute__((export_name("teme_to_geodetic"))) void teme_to_geodetic(
    int count, int ndates, const double *gmst_cs, const double *pos, const unsigned char *err,
    double *ecf, double *lat, double *lon, double *alt) {
  const double A = 6378.137, B = 6356.7523142; /* frames.ts WGS84_A_KM, WGS84_B_KM (as satellite.js) */
  const double F = (A - B) / A, E2 = 2 * F - F * F, EP2 = E2 / ((1 - F) * (1 - F));
  const double OMF = 1 - F, nan = __builtin_nan("");
  for (int e = 0; e < count; e += 2) {
    const int e1 = e + 1 < count ? e + 1 : e;
    const int d0 = e % ndates, d1 = e1 % ndates;
    const v2d c = {gmst_cs[2 * d0], gmst_cs[2 * d1]};
    const v2d s = {gmst_cs[2 * d0 + 1], gmst_cs[2 * d1 + 1]};
    const v2d xi = {pos[3 * e], pos[3 * e1]}, yi = {pos[3 * e + 1], pos[3 * e1 + 1]},
              z = {pos[3 * e + 2], pos[3 * e1 + 2]};
    const v2d x = c * xi + s * yi;
    const v2d y = -s * xi + c * yi;
    const v2d p = vsqrt(x * x + y * y);
    /* atan2(0, 0) is 0 in JS; the musl-style vatan2 would give NaN there */
    const v2d lo = vsel((x == splat(0.0)) & (y == splat(0.0)), splat(0.0), vatan2(y, x));
    v2d tt = z / (p * splat(OMF));
    v2d cb = splat(1.0) / vsqrt(splat(1.0) + tt * tt);
    v2d sb = tt * cb;
    v2d num = z + splat(EP2 * B) * sb * sb * sb;
    v2d den = p - splat(E2 * A) * cb * cb * cb;
    tt = splat(OMF) * num / den;
    cb = splat(1.0) / vsqrt(splat(1.0) + tt * tt);
    sb = tt * cb;
    num = z + splat(EP2 * B) * sb * sb * sb;
    den = p - splat(E2 * A) * cb * cb * cb;
    const v2d r = vsqrt(num * num + den * den);
    const v2d sinlat = num / r, coslat = den / r;
    v2d la = vatan2(num, den);
    v2d h = p * coslat + z * sinlat - splat(A) * vsqrt(splat(1.0) - splat(E2) * sinlat * sinlat);
    /* on the polar axis: latitude +-pi/2, height |z| - B */
    const v2i polar = p < splat(1e-9);
    la = vsel(polar, vsel(z >= splat(0.0), splat(1.5707963267948966), splat(-1.5707963267948966)), la);
    h = vsel(polar, vabs(z) - splat(B), h);
    for (int lane = 0; lane < 2; lane++) {
      const int q = lane ? e1 : e;
      if (lane && e1 == e) break;
      const int bad = err[q] != 0;
      if (ecf) {
        ecf[3 * q] = bad ? nan : (lane ? x[1] : x[0]);
        ecf[3 * q + 1] = bad ? nan : (lane ? y[1] : y[0]);
        ecf[3 * q + 2] = bad ? nan : (lane ? z[1] : z[0]);
      }
      if (lat) lat[q] = bad ? nan : (lane ? la[1] : la[0]);
      if (lon) lon[q] = bad ? nan : (lane ? lo[1] : lo[0]);
      if (alt) alt[q] = bad ? nan : (lane ? h[1] : h[0]);
    }
  }
}

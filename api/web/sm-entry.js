// The entry point esbuild bundles into sm.js (scripts/build-web-vendor.sh): SM2 signature
// verification and SM3 from sm-crypto-v2, on @noble/curves and @noble/hashes.
export { sm2, sm3 } from "sm-crypto-v2";

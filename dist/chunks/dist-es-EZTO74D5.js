import{createRequire as __createRequire}from'node:module';const require=__createRequire(import.meta.url);
import{a,b,c,d,e,f,g}from"./chunk-KUMETXDI.js";import"./chunk-B5YTSIJ6.js";import"./chunk-ZUY3HX4M.js";import"./chunk-2AP7R2FH.js";import"./chunk-6G7CKFX6.js";export{f as ENV_ACCOUNT_ID,e as ENV_CREDENTIAL_SCOPE,d as ENV_EXPIRATION,a as ENV_KEY,b as ENV_SECRET,c as ENV_SESSION,g as fromEnv};

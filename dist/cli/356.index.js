export const id = 356;
export const ids = [356];
export const modules = {

/***/ 356:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runDeploy: () => (/* binding */ runDeploy)
/* harmony export */ });
/** plan and deploy modes. Wired to the deploy steps once they land. */
async function runDeploy(config, _validation, _dependencies) {
    return {
        steps: [],
        outputs: {},
        failure: { message: `mode \`${config.mode}\` is not available yet in this version: use \`mode: validate\`.` },
    };
}


/***/ })

};

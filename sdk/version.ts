/** The version of the plugin contract this SDK implements. Plugins state the range they need (`sdk: "^1"`). */
export const SDK_VERSION = "1.0.0";

// Where things sit inside the mqlab image: shared by the container deployer (which builds the
// image), the k8s renderer and the k8s deployer (which exec into its pods).
/** Where the project sits inside the image (the containers' working directory). */
export const imageAppDir = "/app";
export const imageNodePath = "/usr/local/bin/node";

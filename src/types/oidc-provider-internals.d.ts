/** The one oidc-provider internal the key reload uses (see src/oidc/key-reload.ts). */
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  const initializeKeyStore: (this: object, jwks: { keys: object[] }) => void;
  export default initializeKeyStore;
}

// Minimal typing for the parts of dcmjs used here (the package ships no declarations).
declare module 'dcmjs' {
  interface DicomMessageStatic {
    readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): unknown;
  }
  const dcmjs: { data: { DicomMessage: DicomMessageStatic } };
  export default dcmjs;
}

declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}

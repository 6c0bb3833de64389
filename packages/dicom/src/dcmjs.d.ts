// Minimal typing for the parts of dcmjs used here (the package ships no declarations).
declare module 'dcmjs' {
  interface DicomMessageStatic {
    readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomDictInstance;
  }
  interface DicomDictInstance {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  interface DicomMetaDictionaryStatic {
    naturalizeDataset(dict: Record<string, unknown>): Record<string, unknown>;
    denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
  }
  const dcmjs: {
    data: {
      DicomMessage: DicomMessageStatic;
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: DicomMetaDictionaryStatic;
    };
  };
  export default dcmjs;
}

declare module 'xhr2' {
  const XMLHttpRequest: unknown;
  export default XMLHttpRequest;
}

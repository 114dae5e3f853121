// The OrtApi function table of onnxruntime_c_api.h (microsoft/onnxruntime, include/onnxruntime/core/session),
// in the header's order, which is append-only across versions; it ends here at the last entry this binding
// uses (API version 13 and later have all of them). Entries this binding calls carry their C signatures
// (OrtStatus* and other opaque handles as nint); the rest are placeholders that keep the offsets right.
namespace Bert.MLNet.OnnxRuntime.Native;

#pragma warning disable SA1310, IDE1006 // the C API's own names
internal unsafe struct OrtApi
{
    internal nint CreateStatus; // 0
    internal delegate* unmanaged<nint, int> GetErrorCode; // 1
    internal delegate* unmanaged<nint, byte*> GetErrorMessage; // 2
    internal delegate* unmanaged<int, byte*, nint*, nint> CreateEnv; // 3
    internal nint CreateEnvWithCustomLogger; // 4
    internal nint EnableTelemetryEvents; // 5
    internal nint DisableTelemetryEvents; // 6
    internal nint CreateSession; // 7
    internal delegate* unmanaged<nint, void*, nuint, nint, nint*, nint> CreateSessionFromArray; // 8
    internal delegate* unmanaged<nint, nint, byte**, nint*, nuint, byte**, nuint, nint*, nint> Run; // 9
    internal delegate* unmanaged<nint*, nint> CreateSessionOptions; // 10
    internal nint SetOptimizedModelFilePath; // 11
    internal nint CloneSessionOptions; // 12
    internal delegate* unmanaged<nint, int, nint> SetSessionExecutionMode; // 13
    internal nint EnableProfiling; // 14
    internal nint DisableProfiling; // 15
    internal nint EnableMemPattern; // 16
    internal nint DisableMemPattern; // 17
    internal nint EnableCpuMemArena; // 18
    internal nint DisableCpuMemArena; // 19
    internal nint SetSessionLogId; // 20
    internal nint SetSessionLogVerbosityLevel; // 21
    internal nint SetSessionLogSeverityLevel; // 22
    internal delegate* unmanaged<nint, int, nint> SetSessionGraphOptimizationLevel; // 23
    internal delegate* unmanaged<nint, int, nint> SetIntraOpNumThreads; // 24
    internal delegate* unmanaged<nint, int, nint> SetInterOpNumThreads; // 25
    internal nint CreateCustomOpDomain; // 26
    internal nint CustomOpDomain_Add; // 27
    internal nint AddCustomOpDomain; // 28
    internal nint RegisterCustomOpsLibrary; // 29
    internal delegate* unmanaged<nint, nuint*, nint> SessionGetInputCount; // 30
    internal delegate* unmanaged<nint, nuint*, nint> SessionGetOutputCount; // 31
    internal nint SessionGetOverridableInitializerCount; // 32
    internal delegate* unmanaged<nint, nuint, nint*, nint> SessionGetInputTypeInfo; // 33
    internal delegate* unmanaged<nint, nuint, nint*, nint> SessionGetOutputTypeInfo; // 34
    internal nint SessionGetOverridableInitializerTypeInfo; // 35
    internal delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetInputName; // 36
    internal delegate* unmanaged<nint, nuint, nint, byte**, nint> SessionGetOutputName; // 37
    internal nint SessionGetOverridableInitializerName; // 38
    internal delegate* unmanaged<nint*, nint> CreateRunOptions; // 39
    internal nint RunOptionsSetRunLogVerbosityLevel; // 40
    internal nint RunOptionsSetRunLogSeverityLevel; // 41
    internal nint RunOptionsSetRunTag; // 42
    internal nint RunOptionsGetRunLogVerbosityLevel; // 43
    internal nint RunOptionsGetRunLogSeverityLevel; // 44
    internal nint RunOptionsGetRunTag; // 45
    internal delegate* unmanaged<nint, nint> RunOptionsSetTerminate; // 46
    internal nint RunOptionsUnsetTerminate; // 47
    internal nint CreateTensorAsOrtValue; // 48
    internal delegate* unmanaged<nint, void*, nuint, long*, nuint, int, nint*, nint> CreateTensorWithDataAsOrtValue; // 49
    internal nint IsTensor; // 50
    internal delegate* unmanaged<nint, void**, nint> GetTensorMutableData; // 51
    internal nint FillStringTensor; // 52
    internal nint GetStringTensorDataLength; // 53
    internal nint GetStringTensorContent; // 54
    internal delegate* unmanaged<nint, nint*, nint> CastTypeInfoToTensorInfo; // 55
    internal delegate* unmanaged<nint, int*, nint> GetOnnxTypeFromTypeInfo; // 56
    internal nint CreateTensorTypeAndShapeInfo; // 57
    internal nint SetTensorElementType; // 58
    internal nint SetDimensions; // 59
    internal delegate* unmanaged<nint, int*, nint> GetTensorElementType; // 60
    internal delegate* unmanaged<nint, nuint*, nint> GetDimensionsCount; // 61
    internal delegate* unmanaged<nint, long*, nuint, nint> GetDimensions; // 62
    internal delegate* unmanaged<nint, byte**, nuint, nint> GetSymbolicDimensions; // 63
    internal nint GetTensorShapeElementCount; // 64
    internal delegate* unmanaged<nint, nint*, nint> GetTensorTypeAndShape; // 65
    internal nint GetTypeInfo; // 66
    internal nint GetValueType; // 67
    internal nint CreateMemoryInfo; // 68
    internal delegate* unmanaged<int, int, nint*, nint> CreateCpuMemoryInfo; // 69
    internal nint CompareMemoryInfo; // 70
    internal nint MemoryInfoGetName; // 71
    internal nint MemoryInfoGetId; // 72
    internal nint MemoryInfoGetMemType; // 73
    internal nint MemoryInfoGetType; // 74
    internal nint AllocatorAlloc; // 75
    internal delegate* unmanaged<nint, void*, nint> AllocatorFree; // 76
    internal nint AllocatorGetInfo; // 77
    internal delegate* unmanaged<nint*, nint> GetAllocatorWithDefaultOptions; // 78
    internal nint AddFreeDimensionOverride; // 79
    internal nint GetValue; // 80
    internal nint GetValueCount; // 81
    internal nint CreateValue; // 82
    internal nint CreateOpaqueValue; // 83
    internal nint GetOpaqueValue; // 84
    internal nint KernelInfoGetAttribute_float; // 85
    internal nint KernelInfoGetAttribute_int64; // 86
    internal nint KernelInfoGetAttribute_string; // 87
    internal nint KernelContext_GetInputCount; // 88
    internal nint KernelContext_GetOutputCount; // 89
    internal nint KernelContext_GetInput; // 90
    internal nint KernelContext_GetOutput; // 91
    internal delegate* unmanaged<nint, void> ReleaseEnv; // 92
    internal delegate* unmanaged<nint, void> ReleaseStatus; // 93
    internal delegate* unmanaged<nint, void> ReleaseMemoryInfo; // 94
    internal delegate* unmanaged<nint, void> ReleaseSession; // 95
    internal delegate* unmanaged<nint, void> ReleaseValue; // 96
    internal delegate* unmanaged<nint, void> ReleaseRunOptions; // 97
    internal delegate* unmanaged<nint, void> ReleaseTypeInfo; // 98
    internal delegate* unmanaged<nint, void> ReleaseTensorTypeAndShapeInfo; // 99
    internal delegate* unmanaged<nint, void> ReleaseSessionOptions; // 100
    internal nint ReleaseCustomOpDomain; // 101
    internal nint GetDenotationFromTypeInfo; // 102
    internal nint CastTypeInfoToMapTypeInfo; // 103
    internal nint CastTypeInfoToSequenceTypeInfo; // 104
    internal nint GetMapKeyType; // 105
    internal nint GetMapValueType; // 106
    internal nint GetSequenceElementType; // 107
    internal nint ReleaseMapTypeInfo; // 108
    internal nint ReleaseSequenceTypeInfo; // 109
    internal nint SessionEndProfiling; // 110
    internal nint SessionGetModelMetadata; // 111
    internal nint ModelMetadataGetProducerName; // 112
    internal nint ModelMetadataGetGraphName; // 113
    internal nint ModelMetadataGetDomain; // 114
    internal nint ModelMetadataGetDescription; // 115
    internal nint ModelMetadataLookupCustomMetadataMap; // 116
    internal nint ModelMetadataGetVersion; // 117
    internal nint ReleaseModelMetadata; // 118
    internal nint CreateEnvWithGlobalThreadPools; // 119
    internal nint DisablePerSessionThreads; // 120
    internal nint CreateThreadingOptions; // 121
    internal nint ReleaseThreadingOptions; // 122
    internal nint ModelMetadataGetCustomMetadataMapKeys; // 123
    internal nint AddFreeDimensionOverrideByName; // 124
    internal delegate* unmanaged<byte***, int*, nint> GetAvailableProviders; // 125
    internal delegate* unmanaged<byte**, int, nint> ReleaseAvailableProviders; // 126
    internal nint GetStringTensorElementLength; // 127
    internal nint GetStringTensorElement; // 128
    internal nint FillStringTensorElement; // 129
    internal nint AddSessionConfigEntry; // 130
    internal nint CreateAllocator; // 131
    internal nint ReleaseAllocator; // 132
    internal nint RunWithBinding; // 133
    internal nint CreateIoBinding; // 134
    internal nint ReleaseIoBinding; // 135
    internal nint BindInput; // 136
    internal nint BindOutput; // 137
    internal nint BindOutputToDevice; // 138
    internal nint GetBoundOutputNames; // 139
    internal nint GetBoundOutputValues; // 140
    internal nint ClearBoundInputs; // 141
    internal nint ClearBoundOutputs; // 142
    internal nint TensorAt; // 143
    internal nint CreateAndRegisterAllocator; // 144
    internal nint SetLanguageProjection; // 145
    internal nint SessionGetProfilingStartTimeNs; // 146
    internal nint SetGlobalIntraOpNumThreads; // 147
    internal nint SetGlobalInterOpNumThreads; // 148
    internal nint SetGlobalSpinControl; // 149
    internal nint AddInitializer; // 150
    internal nint CreateEnvWithCustomLoggerAndGlobalThreadPools; // 151
    internal nint SessionOptionsAppendExecutionProvider_CUDA; // 152
    internal nint SessionOptionsAppendExecutionProvider_ROCM; // 153
    internal nint SessionOptionsAppendExecutionProvider_OpenVINO; // 154
    internal nint SetGlobalDenormalAsZero; // 155
    internal nint CreateArenaCfg; // 156
    internal nint ReleaseArenaCfg; // 157
    internal nint ModelMetadataGetGraphDescription; // 158
    internal nint SessionOptionsAppendExecutionProvider_TensorRT; // 159
    internal nint SetCurrentGpuDeviceId; // 160
    internal nint GetCurrentGpuDeviceId; // 161
    internal nint KernelInfoGetAttributeArray_float; // 162
    internal nint KernelInfoGetAttributeArray_int64; // 163
    internal nint CreateArenaCfgV2; // 164
    internal nint AddRunConfigEntry; // 165
    internal nint CreatePrepackedWeightsContainer; // 166
    internal nint ReleasePrepackedWeightsContainer; // 167
    internal nint CreateSessionWithPrepackedWeightsContainer; // 168
    internal nint CreateSessionFromArrayWithPrepackedWeightsContainer; // 169
    internal nint SessionOptionsAppendExecutionProvider_TensorRT_V2; // 170
    internal nint CreateTensorRTProviderOptions; // 171
    internal nint UpdateTensorRTProviderOptions; // 172
    internal nint GetTensorRTProviderOptionsAsString; // 173
    internal nint ReleaseTensorRTProviderOptions; // 174
    internal nint EnableOrtCustomOps; // 175
    internal nint RegisterAllocator; // 176
    internal nint UnregisterAllocator; // 177
    internal nint IsSparseTensor; // 178
    internal nint CreateSparseTensorAsOrtValue; // 179
    internal nint FillSparseTensorCoo; // 180
    internal nint FillSparseTensorCsr; // 181
    internal nint FillSparseTensorBlockSparse; // 182
    internal nint CreateSparseTensorWithValuesAsOrtValue; // 183
    internal nint UseCooIndices; // 184
    internal nint UseCsrIndices; // 185
    internal nint UseBlockSparseIndices; // 186
    internal nint GetSparseTensorFormat; // 187
    internal nint GetSparseTensorValuesTypeAndShape; // 188
    internal nint GetSparseTensorValues; // 189
    internal nint GetSparseTensorIndicesTypeShape; // 190
    internal nint GetSparseTensorIndices; // 191
    internal nint HasValue; // 192
    internal nint KernelContext_GetGPUComputeStream; // 193
    internal nint GetTensorMemoryInfo; // 194
    internal nint GetExecutionProviderApi; // 195
    internal nint SessionOptionsSetCustomCreateThreadFn; // 196
    internal nint SessionOptionsSetCustomThreadCreationOptions; // 197
    internal nint SessionOptionsSetCustomJoinThreadFn; // 198
    internal nint SetGlobalCustomCreateThreadFn; // 199
    internal nint SetGlobalCustomThreadCreationOptions; // 200
    internal nint SetGlobalCustomJoinThreadFn; // 201
    internal nint SynchronizeBoundInputs; // 202
    internal nint SynchronizeBoundOutputs; // 203
    internal delegate* unmanaged<nint, nint, nint> SessionOptionsAppendExecutionProvider_CUDA_V2; // 204
    internal delegate* unmanaged<nint*, nint> CreateCUDAProviderOptions; // 205
    internal delegate* unmanaged<nint, byte**, byte**, nuint, nint> UpdateCUDAProviderOptions; // 206
    internal nint GetCUDAProviderOptionsAsString; // 207
    internal delegate* unmanaged<nint, void> ReleaseCUDAProviderOptions; // 208
}
#pragma warning restore SA1310, IDE1006

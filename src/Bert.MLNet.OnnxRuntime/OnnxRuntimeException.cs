namespace Bert.MLNet.OnnxRuntime;

/// <summary>An error ONNX Runtime reported, with its code and its own message.</summary>
public sealed class OnnxRuntimeException : Exception
{
    /// <summary>Creates the exception for an ONNX Runtime error.</summary>
    public OnnxRuntimeException(OrtErrorCode code, string message)
        : base($"ONNX Runtime error {code}: {message}") => Code = code;

    /// <summary>ONNX Runtime's error code.</summary>
    public OrtErrorCode Code { get; }
}

/// <summary>ONNX Runtime's error codes (OrtErrorCode in the C API).</summary>
public enum OrtErrorCode
{
    /// <summary>No error.</summary>
    Ok = 0,

    /// <summary>A generic failure.</summary>
    Fail = 1,

    /// <summary>An argument was invalid.</summary>
    InvalidArgument = 2,

    /// <summary>A file was not found.</summary>
    NoSuchFile = 3,

    /// <summary>A model was not found.</summary>
    NoModel = 4,

    /// <summary>An engine error.</summary>
    EngineError = 5,

    /// <summary>A runtime exception, including a run that was terminated.</summary>
    RuntimeException = 6,

    /// <summary>The model is not valid protobuf.</summary>
    InvalidProtobuf = 7,

    /// <summary>The model was loaded already.</summary>
    ModelLoaded = 8,

    /// <summary>Not implemented (for example an operator or type the build lacks).</summary>
    NotImplemented = 9,

    /// <summary>The model graph is invalid.</summary>
    InvalidGraph = 10,

    /// <summary>An execution provider failed.</summary>
    ExecutionProviderFail = 11,
}

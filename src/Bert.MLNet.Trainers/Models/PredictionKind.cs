namespace Bert.MLNet.Trainers;

/// <summary>What a model predicts.</summary>
public enum PredictionKind
{
    /// <summary>One of two classes; the second class is the positive one.</summary>
    BinaryClassification,

    /// <summary>One of three or more classes.</summary>
    MulticlassClassification,

    /// <summary>A real number.</summary>
    Regression,
}

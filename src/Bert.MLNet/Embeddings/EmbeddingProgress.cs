namespace Bert.MLNet;

/// <summary>How far an embedding job is: encodings (texts, or windows of long texts) run through the model so far.</summary>
/// <param name="Completed">Encodings done.</param>
/// <param name="Total">Encodings in the job.</param>
/// <param name="Tokens">Real tokens (padding excluded) run so far.</param>
public readonly record struct EmbeddingProgress(int Completed, int Total, long Tokens);

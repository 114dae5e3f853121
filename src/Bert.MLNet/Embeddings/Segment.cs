namespace Bert.MLNet.Embeddings;

/// <summary>One encoding the model runs: a whole text, or one window of a long one.</summary>
/// <param name="Row">The text it belongs to.</param>
/// <param name="Ids">Token ids, [CLS] and [SEP] included.</param>
internal readonly record struct Segment(int Row, int[] Ids);

using Bert.MLNet.Options;
using Bert.MLNet.Tokenizers;
using Bert.MLNet.Transforms;
using Microsoft.ML;

namespace Bert.MLNet;

/// <summary>Bert.MLNet's transforms on ML.NET's text catalog: <c>mlContext.Transforms.Text.ApplyBertEmbedding(...)</c>.</summary>
public static class BertCatalog
{
    /// <summary>
    /// Embeds a text column with a BERT-family ONNX model: Hugging Face-exact tokenization, any hidden state or
    /// all of them, mask-aware pooling and layer combination, as known-size float vectors that ML.NET's trainers
    /// take. Also adds <c>{output}.TokenCount</c>, <c>{output}.Truncated</c> and <c>{output}.WindowCount</c>.
    /// </summary>
    /// <param name="catalog">ML.NET's text transforms.</param>
    /// <param name="outputColumnName">The embedding column (with <see cref="LayerCombination.Separate"/>, the prefix of one column per layer: <c>{output}.Layer{index}</c>).</param>
    /// <param name="inputColumnName">The text column.</param>
    /// <param name="modelPath">A model name (<c>all-MiniLM-L6-v2</c>, <c>snowflake-arctic-embed-xs</c>, <c>bert-l4-h128-uncased</c>; see <see cref="PretrainedModels"/>), a model folder (<c>model.onnx</c> or <c>onnx/model.onnx</c>, a vocabulary, optional <c>config.json</c>) or an <c>.onnx</c> file with its vocabulary beside it.</param>
    /// <param name="options">Layers, pooling, combination, normalization, long-text handling, batching, tokenizer and runtime; null for the model's conventions (<see cref="BertModel.DefaultOptions"/>: all-MiniLM-L6-v2's last layer, mean-pooled, normalized).</param>
    /// <remarks>
    /// Sizes: <see cref="LayerCombination.Concat"/> gives layers × hidden values, <see cref="LayerCombination.Mean"/> and
    /// <see cref="LayerCombination.Weighted"/> hidden values, <see cref="LayerCombination.Separate"/> one hidden-sized column
    /// per layer. <see cref="Pooling.None"/> (per-token vectors) has no known size and is refused here: use <see cref="BertModel.Embed"/>.
    /// </remarks>
    public static BertEmbeddingEstimator ApplyBertEmbedding(this TransformsCatalog.TextTransforms catalog, string outputColumnName,
        string inputColumnName, string modelPath, EmbeddingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        if (options is not null)
        {
            PoolingPlan.CheckPooled(options);
            options.Runtime.Validate();
        }

        return new BertEmbeddingEstimator(outputColumnName, inputColumnName, modelPath, options);
    }

    /// <summary>
    /// Adds the features of a pair of vectors u and v, such as the embeddings of two sentences, as one known-size column:
    /// <c>[u, v, |u − v|, u ∘ v, cos(u, v)]</c> (4d + 1 floats), for a trainer that learns how similar or how related the
    /// pair is. Saved, it is ML.NET's OnnxTransformer over a small generated graph.
    /// </summary>
    /// <param name="catalog">ML.NET's transforms.</param>
    /// <param name="outputColumnName">The column to write.</param>
    /// <param name="firstColumnName">The first vector column (known-size Single vector).</param>
    /// <param name="secondColumnName">The second vector column, of the same length.</param>
    public static PairFeaturesEstimator ComputePairFeatures(this TransformsCatalog catalog, string outputColumnName, string firstColumnName,
        string secondColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(firstColumnName);
        ArgumentException.ThrowIfNullOrEmpty(secondColumnName);
        return new PairFeaturesEstimator(outputColumnName, firstColumnName, secondColumnName);
    }

    /// <summary>
    /// Tokenizes a text column for a BERT ONNX model you run yourself with <c>ApplyOnnxModel</c>: adds the int64 vector
    /// columns <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c> (<c>[CLS] text [SEP]</c>, Hugging Face's ids),
    /// and <c>TokenCount</c> (Int32), <c>Truncated</c> (Boolean) and <c>WindowCount</c> (Int32). With
    /// <see cref="LongTextHandling.Window"/>, a long text's windows lie end to end, each padded to the same length, which
    /// the one-element column <c>window_length</c> gives (the input <see cref="BertModel.ExportOnnx(EmbeddingOptions?)"/>'s
    /// pooled graph takes).
    /// </summary>
    /// <param name="catalog">ML.NET's text transforms.</param>
    /// <param name="inputColumnName">The text column.</param>
    /// <param name="vocabularyPath">A model name (<see cref="PretrainedModels"/>), a model folder, a <c>vocab.txt</c> or a <c>tokenizer.json</c>.</param>
    /// <param name="maxLength">The longest encoding, special tokens included; null takes the tokenizer's <c>model_max_length</c>.</param>
    /// <param name="longText">Truncate long texts (the default) or split them into windows.</param>
    /// <param name="stride">With windows: the tokens each window repeats from the one before.</param>
    public static IEstimator<ITransformer> TokenizeForBert(this TransformsCatalog.TextTransforms catalog, string inputColumnName, string vocabularyPath,
        int? maxLength = null, LongTextHandling longText = LongTextHandling.Truncate, int stride = 128)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        var tokenizer = BertWordPieceTokenizer.Load(ModelFiles.TokenizerSource(vocabularyPath));

        // The length and window rules of embedding options, in their one home.
        var options = new EmbeddingOptions { MaxLength = maxLength ?? tokenizer.Options.ModelMaxLength, LongText = longText, Stride = stride };
        options.Validate(selectedLayers: 1);
        var length = BertModel.ResolveMaxLength(options, options.MaxLength.Value, maxPositions: int.MaxValue);
        var encoder = new Embeddings.TextEncoder(tokenizer, length, longText, stride, tokenizer.VocabularySize);
        return new TokenizingEstimator(inputColumnName, encoder);
    }
}

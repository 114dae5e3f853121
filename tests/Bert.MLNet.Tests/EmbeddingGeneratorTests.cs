using Microsoft.Extensions.AI;

namespace Bert.MLNet.Tests;

/// <summary>The Microsoft.Extensions.AI adapter gives the library's embeddings through IEmbeddingGenerator.</summary>
public sealed class EmbeddingGeneratorTests
{
    [Fact]
    public async Task GeneratorGivesTheLibrarysVectorsInOrder()
    {
        var golden = Golden.For("tiny-bert");
        using var model = BertModel.Load(golden.Folder);
        IEmbeddingGenerator<string, Embedding<float>> generator = new BertEmbeddingGenerator(model);
        var expected = model.Embed(golden.Sentences, new EmbeddingOptions { Normalize = true });
        var embeddings = await generator.GenerateAsync(golden.Sentences);
        Assert.Equal(golden.Sentences.Length, embeddings.Count);
        for (var row = 0; row < embeddings.Count; row++)
        {
            Assert.Equal(expected[row].ToArray(), embeddings[row].Vector.ToArray());
            Assert.Equal("tiny-bert", embeddings[row].ModelId);
        }

        var single = await generator.GenerateVectorAsync(golden.Sentences[2]);
        Assert.Equal(expected[2].ToArray(), single.ToArray());
        Assert.Equal(1f, MathF.Sqrt(single.ToArray().Sum(v => v * v)), 1e-5f);
    }

    [Fact]
    public void MetadataAndServicesDescribeTheModel()
    {
        using var generator = BertEmbeddingGenerator.Load(Golden.For("tiny-bert").Folder,
            new EmbeddingOptions { Layers = LayerSelection.Parse("-2..-1"), Combine = LayerCombination.Concat });
        var metadata = Assert.IsType<EmbeddingGeneratorMetadata>(generator.GetService(typeof(EmbeddingGeneratorMetadata)));
        Assert.Equal("Bert.MLNet", metadata.ProviderName);
        Assert.Equal(64, metadata.DefaultModelDimensions);
        Assert.Same(generator.Model, generator.GetService(typeof(BertModel)));
        Assert.Null(generator.GetService(typeof(string)));
    }

    [Fact]
    public async Task AskingForOtherDimensionsOrPerLayerVectorsIsRefused()
    {
        using var model = BertModel.Load(Golden.For("tiny-bert").Folder);
        using var generator = new BertEmbeddingGenerator(model);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 8 }));
        Assert.Contains("Dimensions is 8 but this model's embeddings have 32", error.Message, StringComparison.Ordinal);
        Assert.Contains("Separate", Assert.Throws<ArgumentException>(() => new BertEmbeddingGenerator(model, new EmbeddingOptions { Combine = LayerCombination.Separate })).Message, StringComparison.Ordinal);
        Assert.Contains("None", Assert.Throws<ArgumentException>(() => new BertEmbeddingGenerator(model, new EmbeddingOptions { Pooling = Pooling.None })).Message, StringComparison.Ordinal);
    }
}

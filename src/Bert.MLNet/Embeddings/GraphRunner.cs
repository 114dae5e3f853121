using Bert.MLNet.Tokenizers;
using Microsoft.ML.OnnxRuntime;

namespace Bert.MLNet.Embeddings;

/// <summary>
/// Runs a graph whose outputs are hidden states (<c>[batch, sequence, hidden]</c>) over encodings: length-sorted,
/// token-budgeted batches, padded with the model's padding id and masked, each encoding's token vectors pooled as
/// soon as its batch has run. The in-memory embedding path and the batched form of a loaded model both run here,
/// so they pad, batch and pool alike.
/// </summary>
/// <param name="session">The session; shared, thread-safe.</param>
/// <param name="inputs">The graph's input names.</param>
/// <param name="paddingId">The id padding positions get (masked out, so only its validity matters).</param>
/// <param name="hiddenSize">The width of every hidden state.</param>
internal sealed class GraphRunner(InferenceSession session, ModelInputs inputs, long paddingId, int hiddenSize)
{
    // How many encodings (texts or windows) have run, for tests that count forward passes.
    private long encodingsRun;

    internal long EncodingsRun => Interlocked.Read(ref encodingsRun);

    /// <summary>
    /// Runs every batch of segments once and pools each segment's hidden states every way asked:
    /// <c>[pooling][segment][layer × hidden]</c>, the layers in the order of <paramref name="layerOutputs"/> (one output name per layer, repeats allowed).
    /// </summary>
    internal float[][][] RunAll(List<Segment> segments, IReadOnlyList<string> layerOutputs, Pooling[] poolings, int batchSize, int tokenBudget,
        IProgress<EmbeddingProgress>? progress, CancellationToken cancellationToken)
    {
        var perPooling = poolings.Select(_ => new float[segments.Count][]).ToArray();
        var outputNames = layerOutputs.Distinct().ToArray();
        var outputIndex = layerOutputs.Select(name => Array.IndexOf(outputNames, name)).ToArray();
        var done = 0;
        long tokens = 0;
        foreach (var batch in Batcher.Plan(segments, batchSize, tokenBudget))
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunBatch(segments, batch, outputNames, outputIndex, poolings, perPooling, cancellationToken);
            Interlocked.Add(ref encodingsRun, batch.Length);
            done += batch.Length;
            tokens += batch.Sum(i => (long)segments[i].Ids.Length);
            progress?.Report(new EmbeddingProgress(done, segments.Count, tokens));
        }

        return perPooling;
    }

    // Runs one batch and pools each segment's layers every way asked (perPooling[p][segment]), from the same outputs.
    private void RunBatch(List<Segment> segments, int[] batch, string[] outputNames, int[] outputIndex, Pooling[] poolings,
        float[][][] perPooling, CancellationToken cancellationToken)
    {
        var rows = batch.Length;
        var length = batch.Max(i => segments[i].Ids.Length);
        using var padded = new TokenizedBatch(rows, length, paddingId);
        for (var r = 0; r < rows; r++)
        {
            padded.SetRow(r, segments[batch[r]].Ids, segments[batch[r]].Ids.Length);
        }

        long[] shape = [rows, length];
        var names = new List<string>(3) { inputs.InputIds };
        var values = new List<OrtValue>(3) { OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, padded.InputIdsMemory, shape) };
        if (inputs.AttentionMask is { } maskName)
        {
            names.Add(maskName);
            values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, padded.AttentionMaskMemory, shape));
        }

        if (inputs.TokenTypeIds is { } typeName)
        {
            names.Add(typeName);
            values.Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, padded.TokenTypeIdsMemory, shape));
        }

        using var outputs = Run(session, names, values, outputNames, cancellationToken);
        var width = hiddenSize;
        for (var p = 0; p < poolings.Length; p++)
        {
            var pooling = poolings[p];
            for (var r = 0; r < rows; r++)
            {
                var tokens = segments[batch[r]].Ids.Length;
                var result = pooling == Pooling.None ? new float[outputIndex.Length * tokens * width] : new float[outputIndex.Length * width];
                for (var l = 0; l < outputIndex.Length; l++)
                {
                    var states = outputs[outputIndex[l]].GetTensorDataAsSpan<float>().Slice(r * length * width, tokens * width);
                    if (pooling == Pooling.None)
                    {
                        states.CopyTo(result.AsSpan(l * tokens * width));
                    }
                    else
                    {
                        Pooler.Pool(states, tokens, width, pooling, result.AsSpan(l * width, width));
                    }
                }

                perPooling[p][batch[r]] = result;
            }
        }
    }

    // One session run; cancelling the token terminates it inside ONNX Runtime. The inputs are disposed here.
    internal static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, List<string> names, List<OrtValue> values, string[] outputNames, CancellationToken cancellationToken)
    {
        try
        {
            using var runOptions = new RunOptions();
            using var registration = cancellationToken.CanBeCanceled ? cancellationToken.Register(() => runOptions.Terminate = true) : default;
            try
            {
                return session.Run(runOptions, names, values, outputNames);
            }
            catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The ONNX Runtime run was cancelled.", cancellationToken);
            }
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }
}

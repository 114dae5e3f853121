namespace Bert.MLNet.Onnx;

/// <summary>
/// Finds every hidden state of a BERT-family encoder in its ONNX graph from the graph's structure: the
/// residual-stream normalizations. The embeddings end in one normalization and each encoder layer in two
/// (after attention, after the feed-forward block), each taking the one before it as its residual input, so
/// they form one chain e, a1, f1, a2, f2, …; the hidden states are e, f1, f2, …. A normalization may be the
/// LayerNormalization operator (opset 17), its decomposed form (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add, as
/// opset 14 exports write it), or ONNX Runtime's fused SkipLayerNormalization / EmbedLayerNormalization.
/// Module names (<c>/encoder/layer.3/…</c>) are only reported, never relied on.
/// </summary>
internal static class HiddenStateFinder
{
    /// <summary>Finds the hidden states, or explains what was found instead.</summary>
    /// <exception cref="InvalidDataException">No chain of residual normalizations (the message says what was found).</exception>
    public static HiddenStateLayout Find(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < graph.Node.Count; i++)
        {
            foreach (var output in graph.Node[i].Output)
            {
                producer[output] = i;
            }
        }

        var consumers = graph.Node.SelectMany((n, i) => n.Input.Select(input => (input, i)))
            .GroupBy(p => p.input, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(p => p.i).ToArray(), StringComparer.Ordinal);

        var norms = FindNormalizations(graph, consumers);
        if (norms.Count == 0)
        {
            throw BertErrors.File(model.Source,
                $"found no layer normalization (neither LayerNormalization, its decomposed ReduceMean/Sub/Div/Mul/Add form, " +
                "nor SkipLayerNormalization); cannot locate the hidden states of a BERT-style encoder.");
        }

        // Each normalization's residual parent: an earlier normalization whose output is one of the terms
        // summed into its input (through Identity or Cast nodes).
        var byOutput = norms.Select((n, i) => (n.Output, i)).ToDictionary(p => p.Output, p => p.i, StringComparer.Ordinal);
        var parent = new int[norms.Count];
        for (var k = 0; k < norms.Count; k++)
        {
            parent[k] = -1;
            foreach (var term in norms[k].ResidualTerms(graph, producer))
            {
                if (byOutput.TryGetValue(Through(graph, producer, term), out var j) && j != k)
                {
                    parent[k] = j;
                }
            }
        }

        var children = Enumerable.Range(0, norms.Count).ToLookup(k => parent[k]);
        var best = new List<int>();
        foreach (var root in Enumerable.Range(0, norms.Count).Where(k => parent[k] < 0))
        {
            var chain = new List<int> { root };
            while (children[chain[^1]].ToArray() is [var next])
            {
                chain.Add(next);
            }

            if (chain.Count > best.Count)
            {
                best = chain;
            }
        }

        if (best.Count < 3 || best.Count % 2 == 0)
        {
            throw BertErrors.File(model.Source,
                $"found {norms.Count} layer normalizations ({string.Join(", ", norms.Select(n => n.Kind).Distinct())}) whose longest residual chain has " +
                $"{best.Count}; a BERT-style encoder with N layers has a chain of 2N + 1 (embeddings, then two per layer).");
        }

        var states = best.Where((_, i) => i % 2 == 0).Select(k => norms[k]).ToArray();
        var hiddenSize = states.Select(s => s.Width(model)).FirstOrDefault(w => w > 0);
        return new HiddenStateLayout(
            [.. states.Select(s => s.Output)],
            [.. states.Select(s => graph.Node[s.Node].Name)],
            states[^1].Kind,
            hiddenSize);
    }

    private static string Through(GraphProto graph, Dictionary<string, int> producer, string tensor)
    {
        while (producer.TryGetValue(tensor, out var i) && graph.Node[i].OpType is "Identity" or "Cast")
        {
            tensor = graph.Node[i].Input[0];
        }

        return tensor;
    }

    private static List<Normalization> FindNormalizations(GraphProto graph, Dictionary<string, int[]> consumers)
    {
        var found = new List<Normalization>();
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            switch (node.OpType)
            {
                case "LayerNormalization" when node.Domain is "" or "ai.onnx":
                    found.Add(new Normalization("LayerNormalization", i, node.Output[0], node.Input[0], null, node.Input.Count > 1 ? node.Input[1] : null));
                    break;
                case "SkipLayerNormalization" or "SkipSimplifiedLayerNormalization":
                    found.Add(new Normalization(node.OpType, i, node.Output[0], null, [node.Input[0], node.Input[1]], node.Input.Count > 2 ? node.Input[2] : null));
                    break;
                case "EmbedLayerNormalization":
                    found.Add(new Normalization(node.OpType, i, node.Output[0], null, [], node.Input.Count > 5 ? node.Input[5] : null));
                    break;
                case "Sub" when Decomposed(graph, consumers, i) is { } decomposed:
                    found.Add(decomposed);
                    break;
            }
        }

        return [.. found.OrderBy(n => n.Node)];
    }

    // x - ReduceMean(x), divided by the deviation, then scaled (Mul) and shifted (Add).
    private static Normalization? Decomposed(GraphProto graph, Dictionary<string, int[]> consumers, int sub)
    {
        var node = graph.Node[sub];
        var x = node.Input[0];
        var meanProducer = graph.Node.FirstOrDefault(n => n.OpType == "ReduceMean" && n.Output.Contains(node.Input[1]));
        if (meanProducer is null || meanProducer.Input[0] != x || !consumers.TryGetValue(node.Output[0], out var users))
        {
            return null;
        }

        var div = users.Select(u => (u, n: graph.Node[u])).FirstOrDefault(p => p.n.OpType == "Div" && p.n.Input[0] == node.Output[0]);
        if (div.n is null)
        {
            return null;
        }

        var last = div.u;
        string? scale = null;
        foreach (var op in new[] { "Mul", "Add" })
        {
            if (consumers.TryGetValue(graph.Node[last].Output[0], out var next) && next is [var only] && graph.Node[only].OpType == op)
            {
                if (op == "Mul")
                {
                    scale = graph.Node[only].Input.FirstOrDefault(t => t != graph.Node[last].Output[0]);
                }

                last = only;
            }
        }

        return new Normalization("decomposed LayerNorm", last, graph.Node[last].Output[0], x, null, scale);
    }

    private sealed record Normalization(string Kind, int Node, string Output, string? Input, string[]? Terms, string? Scale)
    {
        internal IEnumerable<string> ResidualTerms(GraphProto graph, Dictionary<string, int> producer)
        {
            if (Terms is not null)
            {
                return Terms;
            }

            return Input is not null && producer.TryGetValue(Input, out var i) && graph.Node[i].OpType == "Add" ? graph.Node[i].Input : [];
        }

        internal long Width(OnnxModel model) =>
            Scale is not null && model.InitializerShape(Scale) is [var width] ? width : 0;
    }
}

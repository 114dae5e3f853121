using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using Bert.MLNet.Cli.IO;
using Bert.MLNet.Tokenizers;

namespace Bert.MLNet.Cli.Commands;

/// <summary><c>bert-mlnet tokenize</c>: one JSON object of ids, tokens, offsets per input line.</summary>
internal static class TokenizeCommand
{
    internal static Command Create()
    {
        var model = ModelOption.Create();
        model.Description = $"Model name ({string.Join(", ", PretrainedModels.Names)}), model folder, vocab.txt or tokenizer.json.";
        var input = new Option<string>("--input") { Description = "UTF-8 text file, one text per line.", Required = true };
        var output = new Option<string>("--output") { Description = "JSON Lines file to write, one object per input line.", Required = true };
        var maxLength = new Option<int>("--max-length") { Description = "Longest encoding in tokens, [CLS] and [SEP] included.", DefaultValueFactory = _ => 512 };
        var command = new Command("tokenize", "Tokenize text with BERT WordPiece: ids (special tokens included), tokens and offsets per line.")
        {
            model, input, output, maxLength,
        };
        command.SetAction((result, cancellation) => CommandErrors.Run(() => Run(
            result.GetValue(model)!, result.GetValue(input)!, result.GetValue(output)!, result.GetValue(maxLength), cancellation)));
        return command;
    }

    internal static int Run(string modelPath, string inputPath, string outputPath, int maxLength, CancellationToken cancellation)
    {
        if (maxLength < 2)
        {
            throw new ArgumentException($"--max-length is {maxLength}; expected at least 2 (room for [CLS] and [SEP]).");
        }

        using var output = OutputFile.Create(outputPath, "--output", inputPath, modelPath);
        var tokenizer = BertWordPieceTokenizer.Load(ModelFiles.TokenizerSource(modelPath));
        var lines = TextLines.Read(inputPath);
        var stream = output.Stream;
        var rows = 0;
        var truncated = 0;
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (var text in lines)
            {
                cancellation.ThrowIfCancellationRequested();
                var encoding = tokenizer.Encode(text, maxLength);
                json.WriteStartObject();
                WriteArray(json, "ids", encoding.Ids);
                json.WriteStartArray("tokens");
                foreach (var token in encoding.Tokens)
                {
                    json.WriteStringValue(token);
                }

                json.WriteEndArray();
                json.WriteStartArray("offsets");
                foreach (var offset in encoding.Offsets)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(offset.Start);
                    json.WriteNumberValue(offset.End);
                    json.WriteEndArray();
                }

                json.WriteEndArray();
                json.WriteNumber("token_count", encoding.TokenCount);
                json.WriteBoolean("truncated", encoding.Truncated);
                json.WriteEndObject();
                json.Flush();
                json.Reset();
                stream.WriteByte((byte)'\n');
                rows++;
                truncated += encoding.Truncated ? 1 : 0;
            }
        }

        cancellation.ThrowIfCancellationRequested();
        output.Commit();
        Console.Error.WriteLine($"tokenized {rows} lines into {outputPath}" + (truncated > 0 ? $"; {truncated} truncated to {maxLength} tokens" : string.Empty));
        return 0;
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IReadOnlyList<int> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}

namespace Bert.MLNet.Tokenizers.Normalization;

/// <summary>The resolved switches of BERT's normalizer (accent stripping already defaulted from lowercasing).</summary>
internal readonly record struct NormalizerSettings(bool CleanText, bool TokenizeChineseChars, bool LowerCase, bool StripAccents);

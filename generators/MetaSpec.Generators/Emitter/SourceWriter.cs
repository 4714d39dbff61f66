using System;
using System.Text;

namespace MetaSpec.Generators.Emitter;

/// <summary>
/// A string builder that indents: each written line gets the current indentation, and multi-line text
/// (raw string literals) is indented line by line, so emitters can write blocks as they read.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _text = new();

    public int Indentation { get; set; }

    public void WriteLine() => _text.Append('\n');

    /// <summary>Writes <paramref name="text"/>, one line at a time, each at the current indentation (blank lines stay empty).</summary>
    public void WriteLine(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (line.Length > 0)
                for (int i = 0; i < Indentation; i++) _text.Append(IndentUnit);
            _text.Append(line).Append('\n');
        }
    }

    /// <summary>Writes <paramref name="header"/> and "{", indents until the returned scope is disposed, then writes "}".</summary>
    public Block Open(string header)
    {
        WriteLine(header);
        WriteLine("{");
        Indentation++;
        return new Block(this);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Block(SourceWriter writer) : IDisposable
    {
        public void Dispose()
        {
            writer.Indentation--;
            writer.WriteLine("}");
        }
    }
}

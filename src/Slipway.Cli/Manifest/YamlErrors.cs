using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace Slipway.Cli.Manifest;

/// <summary>
/// Turns a YAML parser error into the line and column of the mistake and a sentence a person can
/// act on ("use spaces, not tabs"), instead of the parser's grammar ("While scanning a plain
/// scalar, found a tab character that violate indentation"). Mistakes it does not recognise keep
/// the parser's own message. Lines and columns are 1-based, as editors count them.
/// </summary>
public static partial class YamlErrors
{
    /// <summary>Where the mistake is in <paramref name="text"/>, and what to do about it.</summary>
    public static (long Line, long Column, string Message) Explain(string text, Exception error)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var inner = Innermost(error);
        var parser = inner.Message;
        var start = (inner as YamlException)?.Start;
        var end = (inner as YamlException)?.End;
        long line = start?.Line ?? 1, column = start?.Column ?? 1;

        // A tab in the indentation: the parser often reports the scalar before it, or the mapping.
        var aboutTabs = parser.Contains("tab", StringComparison.OrdinalIgnoreCase);
        if (FirstIndentationTab(lines, aboutTabs ? lines.Length : (int)(end?.Line ?? lines.Length)) is { } tab
            && (aboutTabs || tab.Line == line || tab.Line == end?.Line))
        {
            return (tab.Line, tab.Column, "this line is indented with a tab. YAML indentation must use spaces, not tabs: replace the tab with spaces (most editors can convert tabs to spaces).");
        }
        if (parser.Contains("quoted scalar", StringComparison.Ordinal) && CharAt(lines, line, column) is '"' or '\'')
        {
            var quote = CharAt(lines, line, column);
            return (line, column, $"the quote opened here is not closed. End the value with {quote} on the same line{(quote == '\'' ? " (write '' for a ' inside it)" : " (write \\\" for a \" inside it)")}.");
        }
        if (parser.Contains("flow sequence", StringComparison.Ordinal) || parser.Contains("flow mapping", StringComparison.Ordinal)
            || parser.Contains("expected node content", StringComparison.Ordinal) || inner is not YamlException)
        {
            if (UnclosedBracket(lines) is { } open)
            {
                return (open.Line, open.Column, open.Bracket == '['
                    ? "the list opened with [ here is not closed with ]. Close it, for example [a, b], or write one item per line, each starting with \"- \"."
                    : "the mapping opened with { here is not closed with }. Close it, for example {name: orders, port: 8080}, or write one field per line, indented below.");
            }
        }
        if (parser.StartsWith("Duplicate key", StringComparison.Ordinal) && end is { } keyEnd && keyEnd.Line == line)
        {
            var key = Slice(lines, line, column, keyEnd.Column).Trim().TrimEnd(':').Trim('"', '\'');
            return (line, column, $"\"{key}\" appears twice in the same mapping. Keep one of them.");
        }
        if (parser.Contains("found invalid mapping", StringComparison.Ordinal))
        {
            var before = Slice(lines, line, 1, column);
            if (KeyOnLine().IsMatch(before))
            {
                return (line, column, "a value cannot contain \": \" unless it is quoted (YAML reads it as another field): put the value in quotes.");
            }
            return Indentation(lines, line);
        }
        if (parser.Contains("did not find expected key", StringComparison.Ordinal) || parser.Contains("did not find expected '-' indicator", StringComparison.Ordinal))
        {
            return Indentation(lines, line);
        }
        if (parser.Contains("cannot start any token", StringComparison.Ordinal) && CharAt(lines, line, column) is { } c && c != '\0')
        {
            return (line, column, $"a value cannot start with {c} unless it is quoted (YAML reserves it): put the value in quotes.");
        }
        return (line, column, parser);
    }

    // "this line is indented by 5 spaces, the line above by 4": the line's first character.
    private static (long, long, string) Indentation(string[] lines, long line)
    {
        var text = line >= 1 && line <= lines.Length ? lines[line - 1] : "";
        var indent = text.Length - text.TrimStart(' ').Length;
        var above = lines.Take((int)Math.Max(0, line - 1)).Reverse().FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'));
        // The column where the fields above start: after the indentation and any "- " of a list item.
        var aboveIndent = above is null ? 0 : above.Length - ListItemMarker().Replace(above, "").Length;
        return (line, indent + 1,
            $"this line is indented by {indent} space(s), the field above it by {aboveIndent}. "
            + "Fields of one mapping start in the same column, and a field's own fields are indented further, below it: line it up with the fields it belongs to (with spaces).");
    }

    // The first line up to lastLine whose indentation (leading whitespace) holds a tab.
    private static (long Line, long Column)? FirstIndentationTab(string[] lines, int lastLine)
    {
        for (var i = 0; i < Math.Min(lastLine, lines.Length); i++)
        {
            var lead = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, lead);
            if (tab >= 0 && lines[i].Trim().Length > 0)
            {
                return (i + 1, tab + 1);
            }
        }
        return null;
    }

    // The innermost [ or { still open at the end of the text, outside quotes and comments. A
    // bracket opens a flow collection only where a value starts (after ": ", "- ", "[", "{", ",").
    private static (long Line, long Column, char Bracket)? UnclosedBracket(string[] lines)
    {
        var open = new Stack<(long, long, char)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var l = lines[i];
            char? quote = null;
            for (var j = 0; j < l.Length; j++)
            {
                var c = l[j];
                if (quote is { } q)
                {
                    if (c == '\\' && q == '"')
                    {
                        j++;
                    }
                    else if (c == q)
                    {
                        quote = null;
                    }
                    continue;
                }
                var previous = l[..j].TrimEnd();
                var valueStart = previous.Length == 0 || previous[^1] is '[' or '{' or ',' || (previous[^1] is ':' or '-' && j > previous.Length);
                if (c == '#' && (j == 0 || char.IsWhiteSpace(l[j - 1])))
                {
                    break;
                }
                if (c is '"' or '\'' && valueStart)
                {
                    quote = c;
                }
                else if (c is '[' or '{' && (valueStart || open.Count > 0 && previous.Length > 0 && previous[^1] is ':'))
                {
                    open.Push((i + 1, j + 1, c));
                }
                else if (c is ']' or '}' && open.Count > 0 && open.Peek().Item3 == (c == ']' ? '[' : '{'))
                {
                    open.Pop();
                }
            }
        }
        return open.Count > 0 ? open.Peek() : null;
    }

    private static char CharAt(string[] lines, long line, long column) =>
        line >= 1 && line <= lines.Length && column >= 1 && column <= lines[line - 1].Length ? lines[line - 1][(int)column - 1] : '\0';

    private static string Slice(string[] lines, long line, long fromColumn, long toColumn)
    {
        if (line < 1 || line > lines.Length)
        {
            return "";
        }
        var l = lines[line - 1];
        var from = (int)Math.Clamp(fromColumn - 1, 0, l.Length);
        var to = (int)Math.Clamp(toColumn - 1, from, l.Length);
        return l[from..to];
    }

    private static Exception Innermost(Exception e) => e.InnerException is YamlException inner ? Innermost(inner) : e;

    [GeneratedRegex(@"^[ ]*(-[ ]+)*")]
    private static partial Regex ListItemMarker();

    // "key: " or "- key: " before the error: the line already holds a field, so a second ": " is in its value.
    [GeneratedRegex(@"^\s*(-\s+)?[^\s#:][^:]*:\s")]
    private static partial Regex KeyOnLine();
}

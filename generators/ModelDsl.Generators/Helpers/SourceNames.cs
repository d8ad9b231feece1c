using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace ModelDsl.Generators.Helpers
{
    /// <summary>How declared names are written into generated code and into the generated file's hint name.</summary>
    internal static class SourceNames
    {
        /// <summary>
        /// <paramref name="name"/> as an identifier token: <c>@event</c> for a keyword, and for a contextual keyword too
        /// (<c>@record</c>, <c>@var</c>), where the bare word could parse as something else in some position.
        /// </summary>
        public static string Escape(string name) =>
            SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
                ? "@" + name
                : name;

        /// <summary>A dotted name (<c>Demo.@event</c>) with each part escaped.</summary>
        public static string EscapeDotted(string dotted)
        {
            var parts = dotted.Split('.');
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = Escape(parts[i]);
            }

            return string.Join(".", parts);
        }

        /// <summary>
        /// The file name for a model's code, from its unescaped full name (<c>event.Tiny.g.cs</c>): identifier characters and
        /// dots only, so never the '@' that AddSource rejects; anything else becomes '_'. Hint names are compared ignoring case,
        /// so a name that equals another one but for case (<paramref name="caseClashes"/>, sorted ordinally) gets its position in
        /// that list as an extra part, which no full name can have (a name part never starts with a digit).
        /// </summary>
        public static string HintName(string qualifiedName, IReadOnlyList<string> caseClashes)
        {
            var builder = new StringBuilder(qualifiedName.Length + 8);
            foreach (var c in qualifiedName)
            {
                builder.Append(c == '.' || SyntaxFacts.IsIdentifierPartCharacter(c) ? c : '_');
            }

            for (var i = 0; i < caseClashes.Count; i++)
            {
                if (caseClashes[i] == qualifiedName)
                {
                    builder.Append('.').Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                }
            }

            return builder.Append(".g.cs").ToString();
        }

        /// <summary>The names that equal another one of <paramref name="qualifiedNames"/> ignoring case, sorted ordinally.</summary>
        public static List<string> CaseClashes(IEnumerable<string> qualifiedNames)
        {
            var byFolded = new Dictionary<string, int>(System.StringComparer.OrdinalIgnoreCase);
            var distinct = new HashSet<string>(System.StringComparer.Ordinal);
            foreach (var name in qualifiedNames)
            {
                if (distinct.Add(name))
                {
                    byFolded[name] = byFolded.TryGetValue(name, out var count) ? count + 1 : 1;
                }
            }

            var clashes = new List<string>();
            foreach (var name in distinct)
            {
                if (byFolded[name] > 1)
                {
                    clashes.Add(name);
                }
            }

            clashes.Sort(System.StringComparer.Ordinal);
            return clashes;
        }
    }
}

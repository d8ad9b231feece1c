extern alias ModelDslGenerators;

using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using ModelDslGenerators::ModelDsl.Generators;

namespace ModelDsl.Tests.Generator;

/// <summary>
/// Runs <see cref="ModelGenerator"/> over in-memory source. The generator assembly is referenced under the extern alias
/// <c>ModelDslGenerators</c> because it compiles the shared <c>ModelDsl.Ir</c> types too, which would clash with
/// the ones in the ModelDsl assembly.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>
    /// The one switch for where the attribute types come from. <see langword="false"/>: compile the text of
    /// src/ModelDsl/Attributes/LayerAttributes.cs and src/ModelDsl.Ir/Spec/ModelSpec.cs into each test compilation (independent of
    /// the runtime assembly while it is in flux). <see langword="true"/>: reference the built ModelDsl.dll next to the tests
    /// (needs a ProjectReference to src/ModelDsl).
    /// </summary>
    public static readonly bool ReferenceRuntimeAssembly = true;

    public static readonly CSharpParseOptions ParseOptions = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(LoadReferences);

    private static readonly Lazy<ImmutableArray<SyntaxTree>> LibraryTrees = new(LoadLibraryTrees);

    /// <summary>The folder holding ModelDsl.sln: found above the test binaries, else above this source file.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>A compilation of <paramref name="sources"/> (files <c>Model0.cs</c>, <c>Model1.cs</c>, …) plus the ModelDsl attributes.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(allowUnsafe: true, sources);

    public static CSharpCompilation CreateCompilation(bool allowUnsafe, params string[] sources)
    {
        var trees = new List<SyntaxTree>();
        for (var i = 0; i < sources.Length; i++)
        {
            trees.Add(CSharpSyntaxTree.ParseText(sources[i], ParseOptions, path: SourcePath(i)));
        }

        trees.AddRange(LibraryTrees.Value);
        return CSharpCompilation.Create(
            "ModelDsl.GeneratorTests.Input",
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: allowUnsafe));
    }

    /// <summary>The path given to the <paramref name="index"/>th user source.</summary>
    public static string SourcePath(int index) => "Model" + index + ".cs";

    /// <summary>A driver with step tracking on, using the compilation's parse options.</summary>
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new ModelGenerator().AsSourceGenerator()],
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    public static GeneratorRun Run(CSharpCompilation compilation)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        var result = driver.GetRunResult().Results.Single();
        var sources = result.GeneratedSources
            .Select(source => new GeneratedFile(source.HintName, source.SourceText.ToString()))
            .ToImmutableArray();
        return new GeneratorRun(compilation, output, driver, result, driverDiagnostics.AddRange(result.Diagnostics).Distinct().ToImmutableArray(), sources);
    }

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        // Only the framework's own assemblies: the test host's TPA also lists ModelDsl*.dll, whose types would clash.
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(path => string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal))
            .ToList();
        if (ReferenceRuntimeAssembly)
        {
            // The runtime and what its public surface and the generated GPU programs use.
            foreach (var assembly in new[] { "ModelDsl.dll", "ILGPU.dll", "ILGPU.Algorithms.dll", "System.Numerics.Tensors.dll" })
            {
                var path = Path.Combine(AppContext.BaseDirectory, assembly);
                if (File.Exists(path))
                {
                    paths.Add(path);
                }
            }
        }

        return paths.Select(path => (MetadataReference)MetadataReference.CreateFromFile(path)).ToImmutableArray();
    }

    private static ImmutableArray<SyntaxTree> LoadLibraryTrees()
    {
        // LayerAttributes.cs relies on the runtime project's implicit usings.
        var trees = ImmutableArray.CreateBuilder<SyntaxTree>();
        trees.Add(CSharpSyntaxTree.ParseText("global using System;", ParseOptions, path: "GlobalUsings.cs"));
        if (!ReferenceRuntimeAssembly)
        {
            foreach (var relative in new[] { "src/ModelDsl/Attributes/LayerAttributes.cs", "src/ModelDsl.Ir/Spec/ModelSpec.cs" })
            {
                var path = Path.Combine(RepositoryRoot, relative);
                trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(path), ParseOptions, path: path));
            }
        }

        return trees.ToImmutable();
    }

    private static string FindRepositoryRoot([CallerFilePath] string thisFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(thisFile) })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "ModelDsl.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("No ModelDsl.sln above " + AppContext.BaseDirectory + " or " + thisFile + ".");
    }
}

internal sealed record GeneratedFile(string HintName, string Text);

/// <summary>One generator run: its input and output compilations, the driver (to run again), and what it produced.</summary>
internal sealed record GeneratorRun(
    CSharpCompilation Input,
    Compilation Output,
    GeneratorDriver Driver,
    GeneratorRunResult Result,
    ImmutableArray<Diagnostic> GeneratorDiagnostics,
    ImmutableArray<GeneratedFile> Sources)
{
    /// <summary>Errors of the compilation including the generated code (compiler and generator alike).</summary>
    public ImmutableArray<Diagnostic> Errors =>
        Output.GetDiagnostics().Concat(GeneratorDiagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

    /// <summary>The generator's own diagnostics (MDSL….).</summary>
    public ImmutableArray<Diagnostic> ModelDiagnostics =>
        GeneratorDiagnostics.Where(d => d.Id.StartsWith("MDSL", StringComparison.Ordinal)).ToImmutableArray();
}

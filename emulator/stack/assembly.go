package stack

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Assembly is one stack of a CDK cloud assembly (the cdk.out directory):
// its parsed template and the file assets its resources point at.
type Assembly struct {
	// Dir is the cloud assembly directory; asset paths are relative to it.
	Dir       string
	StackName string
	Template  *Template
	// Assets maps an asset's object key ("<hash>.zip") and its hash to the
	// absolute path of its source in Dir.
	Assets map[string]string
}

// manifest is the part of cdk.out/manifest.json the loader reads.
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
			File         string `json:"file"` // asset manifests
		} `json:"properties"`
		Dependencies []string `json:"dependencies"`
	} `json:"artifacts"`
}

// assetManifest is the part of <Stack>.assets.json the loader reads.
type assetManifest struct {
	Files map[string]struct {
		Source struct {
			Path      string `json:"path"`
			Packaging string `json:"packaging"`
		} `json:"source"`
		Destinations map[string]struct {
			ObjectKey string `json:"objectKey"`
		} `json:"destinations"`
	} `json:"files"`
}

// LoadAssembly reads dir/manifest.json and loads the stack named stackName,
// or the only stack when stackName is empty. It returns an error naming the
// available stacks when the choice is ambiguous or the name is unknown.
func LoadAssembly(dir, stackName string) (*Assembly, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, fmt.Errorf("load assembly: %w (run `cdk synth` first?)", err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("load assembly: %s/manifest.json: %w", dir, err)
	}
	type stackArtifact struct{ id, name, template string }
	var stacks []stackArtifact
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		name := a.Properties.StackName
		if name == "" {
			name = id
		}
		stacks = append(stacks, stackArtifact{id: id, name: name, template: a.Properties.TemplateFile})
	}
	sort.Slice(stacks, func(i, j int) bool { return stacks[i].name < stacks[j].name })
	names := make([]string, len(stacks))
	for i, s := range stacks {
		names[i] = s.name
	}
	var chosen *stackArtifact
	for i, s := range stacks {
		if stackName == "" && len(stacks) == 1 || stackName != "" && (s.name == stackName || s.id == stackName) {
			chosen = &stacks[i]
			break
		}
	}
	switch {
	case len(stacks) == 0:
		return nil, fmt.Errorf("load assembly: %s/manifest.json has no aws:cloudformation:stack artifact", dir)
	case chosen == nil && stackName == "":
		return nil, fmt.Errorf("load assembly: %d stacks (%s): choose one by name", len(stacks), strings.Join(names, ", "))
	case chosen == nil:
		return nil, fmt.Errorf("load assembly: no stack %q (have %s)", stackName, strings.Join(names, ", "))
	case chosen.template == "":
		return nil, fmt.Errorf("load assembly: stack %q has no templateFile", chosen.name)
	}
	tpl, err := ReadTemplate(filepath.Join(dir, chosen.template))
	if err != nil {
		return nil, fmt.Errorf("load assembly: %w", err)
	}
	a := &Assembly{Dir: dir, StackName: chosen.name, Template: tpl, Assets: map[string]string{}}
	if err := a.loadAssets(m, chosen.id); err != nil {
		return nil, fmt.Errorf("load assembly: %w", err)
	}
	return a, nil
}

// loadAssets reads the asset manifests the stack depends on. A stack without
// one (a template with no assets) is fine.
func (a *Assembly) loadAssets(m manifest, stackID string) error {
	abs, err := filepath.Abs(a.Dir)
	if err != nil {
		return err
	}
	for _, dep := range m.Artifacts[stackID].Dependencies {
		art, ok := m.Artifacts[dep]
		if !ok || art.Type != "cdk:asset-manifest" || art.Properties.File == "" {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(a.Dir, art.Properties.File))
		if err != nil {
			return err
		}
		var am assetManifest
		if err := json.Unmarshal(raw, &am); err != nil {
			return fmt.Errorf("%s: %w", art.Properties.File, err)
		}
		for hash, f := range am.Files {
			p := filepath.Join(abs, f.Source.Path)
			a.Assets[hash] = p
			for _, d := range f.Destinations {
				if d.ObjectKey != "" {
					a.Assets[d.ObjectKey] = p
				}
			}
		}
	}
	return nil
}

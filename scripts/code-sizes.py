#!/usr/bin/env python3
# The largest source files and functions of a tree (crypto ledger api node tools), by lines:
# the figures of a restructuring's closing note. Functions are found by brace counting over
# the code with strings and comments blanked, which is close enough for sizes, not a parser.
# Usage: scripts/code-sizes.py [ROOT]   (e.g. a tree from `git archive REV | tar -x -C DIR`)
import os,re,sys
root=sys.argv[1] if len(sys.argv) > 1 else "."
files=[];funcs=[]
def strip(l):
    l=re.sub(r'"(\\.|[^"\\])*"','""',l); l=re.sub(r"'(\\.|[^'\\])*'","''",l)
    return re.sub(r'//.*$','',l)
for d in ['crypto','ledger','api','node','tools']:
    for dp,dn,fn in os.walk(os.path.join(root,d)):
        for f in fn:
            if not f.endswith(('.cc','.h')): continue
            p=os.path.join(dp,f); rel=os.path.relpath(p,root)
            lines=open(p,encoding='utf-8').read().split('\n')
            files.append((len(lines),rel))
            if not f.endswith('.cc'): continue
            code=[strip(l) for l in lines]
            i=0
            while i<len(code):
                l=code[i].rstrip()
                if l.endswith('{') and ')' in l or (l.endswith('{') and re.search(r'\)\s*(const|override|noexcept|\s)*\{$',l)):
                    # walk back to statement start
                    k=i
                    while k>0 and code[k-1].strip() and not code[k-1].rstrip().endswith((';','}','{')) and not code[k-1].lstrip().startswith('#'):
                        k-=1
                    start=code[k]
                    if re.match(r'^[A-Za-z]',start) and not re.match(r'^(namespace|struct|class|enum|if|for|while|switch|return|using|template)\b',start) and '(' in ''.join(code[k:i+1]):
                        depth=0
                        for j in range(i,len(code)):
                            depth+=code[j].count('{')-code[j].count('}')
                            if depth==0: break
                        sig=' '.join(x.strip() for x in code[k:i+1])
                        name=re.findall(r'([A-Za-z_:~0-9]+)\s*\(',sig)
                        funcs.append((j-k+1,rel,name[0] if name else sig[:40]))
                        i=j+1; continue
                i+=1
files.sort(reverse=True); funcs.sort(reverse=True)
print("total lines",sum(n for n,_ in files), "files", len(files))
for n,f in files[:6]: print(f"{n:6d} {f}")
print("functions")
for n,f,name in funcs[:8]: print(f"{n:6d} {f} {name}")
